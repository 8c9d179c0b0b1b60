using Continuum.Training.Jobs;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Continuum.Training.Worker;

/// <summary>
/// On the in-memory bus a job's message lives only in the process that queued it, so when that process dies
/// (a killed demo, a crashed <c>serve</c>) its queued and running jobs have nothing left to bring them to a worker.
/// Once this host has started, every job that an earlier process left unfinished is handed to the workers again:
/// a queued one starts, a running one resumes from its last checkpoint once the dead worker's lease has run out,
/// and one flagged for cancellation ends CANCELLED. RabbitMQ redelivers unacknowledged messages itself, so this
/// runs only on the in-memory bus.
/// </summary>
public sealed partial class UnfinishedJobRecovery(
    TrainingJobRepository jobs, IBus bus, IHostApplicationLifetime lifetime, ILogger<UnfinishedJobRecovery> logger)
    : BackgroundService
{
    // Jobs this process queued have messages of their own; a second one would only hold a worker waiting.
    private readonly string startedAt = JobMapper.Now();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Publishing needs the bus, which the host starts before it reports itself started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var unfinished = await jobs.ListUnfinishedAsync(startedAt, stoppingToken);
        if (unfinished.Count > 0)
        {
            LogRecovering(unfinished.Count, string.Join(", ", unfinished.Select(j => j.Id)));
        }

        // A running job is handed over once its dead worker's lease has run out (a second later, so that no clock
        // reads it as still held): a worker receiving it finds it free, or held by a live process after all, which
        // it then leaves alone.
        foreach (var job in unfinished.OrderBy(LeaseEnd))
        {
            var wait = LeaseEnd(job) + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, stoppingToken);
            }

            await bus.Publish(new RunTrainingJob(job.Id, Requeued: true), stoppingToken);
        }
    }

    private static DateTimeOffset LeaseEnd(JobRow job) =>
        job is { State: JobStates.Running, LeaseUntil: { } until } ? JobMapper.ParseTime(until) : DateTimeOffset.MinValue;

    [LoggerMessage(EventId = 504, Level = LogLevel.Information,
        Message = "{Count} training job(s) an earlier process left unfinished are queued again: {JobIds}")]
    private partial void LogRecovering(int count, string jobIds);
}
