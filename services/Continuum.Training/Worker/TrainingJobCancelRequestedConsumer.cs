using MassTransit;

namespace Continuum.Training.Worker;

/// <summary>Stops the named job if this process runs it; other workers ignore the request.</summary>
public sealed class TrainingJobCancelRequestedConsumer(RunningJobs running) : IConsumer<TrainingJobCancelRequested>
{
    public Task Consume(ConsumeContext<TrainingJobCancelRequested> context)
    {
        running.Cancel(context.Message.JobId);
        return Task.CompletedTask;
    }
}
