namespace Continuum.Events;

/// <summary>
/// A study ended: its budget was used up, it was stopped, or it failed.
/// An extended study publishes this again when it ends again.
/// The schema is <c>continuum.events.v1.StudyCompleted</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record StudyCompleted
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the study ended.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `studies/{study}`.</summary>
    public required string Study { get; init; }

    /// <summary>Required. A continuum.optimization.v1.StudyState value name, e.g. "STUDY_STATE_SUCCEEDED".</summary>
    public required string State { get; init; }

    /// <summary>Optional. `studies/{study}/trials/{trial}` with the best objective.</summary>
    public string BestTrial { get; init; } = "";

    /// <summary>Optional. The best objective value.</summary>
    public double BestObjectiveValue { get; init; }

    /// <summary>Required. The objective metric, e.g. "OBJECTIVE_METRIC_ACCURACY".</summary>
    public required string ObjectiveMetric { get; init; }

    /// <summary>Required. Trials that finished (succeeded, failed or pruned).</summary>
    public int CompletedTrialCount { get; init; }

    /// <summary>Optional. The version registered from the best trial.</summary>
    public string ModelVersion { get; init; } = "";
}
