namespace Continuum.Training.Jobs;

/// <summary>A row of <c>training_jobs</c>; JSON columns hold proto JSON of the named messages.</summary>
public sealed class JobRow
{
    public string Id { get; init; } = "";
    public string SpecJson { get; init; } = "{}";
    public string? RequestId { get; init; }
    public string Policy { get; init; } = "";
    public string Trial { get; init; } = "";
    public string CreatedBy { get; init; } = "";
    public string State { get; init; } = "";
    public long CancelRequested { get; init; }
    public long AttemptCount { get; init; }
    public string Worker { get; init; } = "";
    public string? LeaseUntil { get; init; }
    public string ProgressJson { get; init; } = "{}";
    public string? CheckpointSha256 { get; init; }
    public string? ErrorJson { get; init; }
    public string ModelVersion { get; init; } = "";
    public string? MetricsJson { get; init; }
    public string CreateTime { get; init; } = "";
    public string? StartTime { get; init; }
    public string? EndTime { get; init; }
}

/// <summary>The job states as stored; the names of <c>TrainingJobState</c> without its prefix.</summary>
public static class JobStates
{
    public const string Queued = "QUEUED";
    public const string Running = "RUNNING";
    public const string Succeeded = "SUCCEEDED";
    public const string Failed = "FAILED";
    public const string Cancelled = "CANCELLED";

    public static bool IsFinal(string state) => state is Succeeded or Failed or Cancelled;
}
