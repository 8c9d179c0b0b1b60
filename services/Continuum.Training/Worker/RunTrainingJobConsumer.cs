using MassTransit;
using Microsoft.Extensions.Options;

namespace Continuum.Training.Worker;

/// <summary>Takes a job from the queue and runs it to its end; the message is acknowledged only then.</summary>
public sealed class RunTrainingJobConsumer(TrainingJobRunner runner) : IConsumer<RunTrainingJob>
{
    public Task Consume(ConsumeContext<RunTrainingJob> context) =>
        runner.RunAsync(context.Message.JobId, context, context.CancellationToken,
            waitForLease: !context.Message.Requeued);
}

/// <summary>
/// One queue for every worker of a deployment (competing consumers), each taking as many jobs at once as it
/// is configured to run, and no more: a worker does not hold messages it cannot start.
/// </summary>
public sealed class RunTrainingJobConsumerDefinition : ConsumerDefinition<RunTrainingJobConsumer>
{
    private readonly int _concurrency;

    public RunTrainingJobConsumerDefinition(IOptions<TrainingWorkerOptions> options)
    {
        _concurrency = Math.Max(1, options.Value.Concurrency);
        ConcurrentMessageLimit = _concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RunTrainingJobConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _concurrency;
    }
}
