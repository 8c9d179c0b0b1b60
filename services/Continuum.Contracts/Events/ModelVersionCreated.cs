namespace Continuum.Events;

/// <summary>
/// A model version became READY in the registry.
/// The schema is <c>continuum.events.v1.ModelVersionCreated</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record ModelVersionCreated
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the version became READY.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `models/{model}`.</summary>
    public required string Model { get; init; }

    /// <summary>Required. `models/{model}/versions/{version}`.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>Required. The version number.</summary>
    public long VersionNumber { get; init; }

    /// <summary>Required. Lowercase hex SHA-256 of the artifact.</summary>
    public required string ArtifactSha256 { get; init; }

    /// <summary>Required. Size of the artifact in bytes.</summary>
    public long ArtifactSizeBytes { get; init; }

    /// <summary>Optional. The version it was fine-tuned or compressed from.</summary>
    public string ParentModelVersion { get; init; } = "";

    /// <summary>Optional. Dataset versions it was trained on.</summary>
    public IReadOnlyList<string> TrainingDatasetVersions { get; init; } = [];

    /// <summary>Optional. The training job that produced it.</summary>
    public string TrainingJob { get; init; } = "";

    /// <summary>Optional. The compression job that produced it.</summary>
    public string CompressionJob { get; init; } = "";

    /// <summary>Optional. The study that tuned it.</summary>
    public string Study { get; init; } = "";

    /// <summary>Optional. The policy that caused it.</summary>
    public string Policy { get; init; } = "";

    /// <summary>Optional. Mean accuracy over every task.</summary>
    public double AverageAccuracy { get; init; }

    /// <summary>Optional. Mean forgetting over earlier tasks.</summary>
    public double Forgetting { get; init; }

    /// <summary>Optional. Who registered it (from the API key).</summary>
    public string CreatedBy { get; init; } = "";
}
