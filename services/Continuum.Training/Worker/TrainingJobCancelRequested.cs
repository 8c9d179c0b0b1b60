namespace Continuum.Training.Worker;

/// <summary>
/// Tells every worker that a job is to stop. Each worker process has its own queue for it (fan-out, not
/// competing), so the one running the job hears it at once and stops at its next batch.
/// </summary>
public sealed record TrainingJobCancelRequested(string JobId);
