namespace Continuum.Events;

/// <summary>
/// A training job failed.
/// The schema is <c>continuum.events.v1.TrainingJobFailed</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record TrainingJobFailed
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the job failed.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `trainingJobs/{training_job}`.</summary>
    public required string TrainingJob { get; init; }

    /// <summary>Required. The google.rpc.Code number of the error.</summary>
    public int ErrorCode { get; init; }

    /// <summary>Required. The error message for people.</summary>
    public required string ErrorMessage { get; init; }

    /// <summary>Optional. The UPPER_SNAKE reason of the error, when it has one.</summary>
    public string ErrorReason { get; init; } = "";

    /// <summary>Optional. `policies/{policy}` that started the job.</summary>
    public string Policy { get; init; } = "";

    /// <summary>Optional. `studies/{study}/trials/{trial}` that started the job.</summary>
    public string Trial { get; init; } = "";
}
