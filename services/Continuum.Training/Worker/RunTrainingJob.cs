namespace Continuum.Training.Worker;

/// <summary>
/// The bus message that hands a queued job to the workers: one queue, competing consumers. The job's state is
/// in the database; the message only says which job to run. <paramref name="Requeued"/> marks one that a new
/// process sent for a job an earlier one left unfinished: should a live worker hold the job after all, the
/// receiver leaves it to that worker rather than wait for it to finish.
/// </summary>
public sealed record RunTrainingJob(string JobId, bool Requeued = false);
