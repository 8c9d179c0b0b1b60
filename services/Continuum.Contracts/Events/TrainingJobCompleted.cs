namespace Continuum.Events;

/// <summary>
/// A training job succeeded.
/// The schema is <c>continuum.events.v1.TrainingJobCompleted</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record TrainingJobCompleted
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the job succeeded.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `trainingJobs/{training_job}`.</summary>
    public required string TrainingJob { get; init; }

    /// <summary>Optional. The registered version; empty when nothing was registered.</summary>
    public string ModelVersion { get; init; } = "";

    /// <summary>Required. Dataset versions trained on.</summary>
    public IReadOnlyList<string> TrainingDatasetVersions { get; init; } = [];

    /// <summary>Required. Dataset versions evaluated on (test split), in task order.</summary>
    public IReadOnlyList<string> EvaluationDatasetVersions { get; init; } = [];

    /// <summary>Required. Accuracy on each of `evaluation_dataset_versions`, in the same order.</summary>
    public IReadOnlyList<double> Accuracies { get; init; } = [];

    /// <summary>Required. Mean accuracy over every task.</summary>
    public double AverageAccuracy { get; init; }

    /// <summary>Required. Mean forgetting over earlier tasks (0 for the first task).</summary>
    public double Forgetting { get; init; }

    /// <summary>Required. The strategy used: "naive", "joint", "replay", "ewc" or "lwf".</summary>
    public required string Strategy { get; init; }

    /// <summary>Optional. The base version it was fine-tuned from.</summary>
    public string BaseModelVersion { get; init; } = "";

    /// <summary>Optional. `policies/{policy}` that started the job.</summary>
    public string Policy { get; init; } = "";

    /// <summary>Optional. `studies/{study}/trials/{trial}` that started the job.</summary>
    public string Trial { get; init; } = "";

    /// <summary>Required. Wall-clock seconds from start to success.</summary>
    public double DurationSeconds { get; init; }
}
