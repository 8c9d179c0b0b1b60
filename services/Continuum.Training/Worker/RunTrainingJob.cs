namespace Continuum.Training.Worker;

/// <summary>
/// The bus message that hands a queued job to the workers: one queue, competing consumers. The job's state is
/// in the database; the message only says which job to run.
/// </summary>
public sealed record RunTrainingJob(string JobId);
