namespace Continuum.Events;

/// <summary>
/// A dataset version was created (uploaded or derived).
/// The schema is <c>continuum.events.v1.DatasetVersionCreated</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record DatasetVersionCreated
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the version was committed.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `datasets/{dataset}`.</summary>
    public required string Dataset { get; init; }

    /// <summary>Required. `datasets/{dataset}/versions/{version}`.</summary>
    public required string DatasetVersion { get; init; }

    /// <summary>Required. The version number.</summary>
    public long VersionNumber { get; init; }

    /// <summary>Required. Lowercase hex SHA-256 of the decoded content.</summary>
    public required string ContentSha256 { get; init; }

    /// <summary>Required. Examples in the train split.</summary>
    public long TrainExampleCount { get; init; }

    /// <summary>Required. Examples in the test split (0 when there is none).</summary>
    public long TestExampleCount { get; init; }

    /// <summary>Required. Labels with at least one training example.</summary>
    public IReadOnlyList<int> PresentClasses { get; init; } = [];

    /// <summary>
    /// Required. Whether the version was derived from others (a slice, a sample such as a replay buffer, or a union)
    /// rather than uploaded.
    /// </summary>
    public bool Derived { get; init; }

    /// <summary>Optional. The comparison with the previous version; unset for the first version of a dataset.</summary>
    public VersionComparison? Comparison { get; init; }

    /// <summary>Optional. Who created it (from the API key).</summary>
    public string CreatedBy { get; init; } = "";
}
