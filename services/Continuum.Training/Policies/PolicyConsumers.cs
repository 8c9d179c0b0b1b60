using Continuum.Events;
using MassTransit;

namespace Continuum.Training.Policies;

/// <summary>New data for the policies that follow its dataset.</summary>
public sealed class PolicyArrivalConsumer(PolicyLoop loop) : IConsumer<DatasetVersionCreated>
{
    public Task Consume(ConsumeContext<DatasetVersionCreated> context) =>
        loop.OnArrivalAsync(context.Message, context, context.CancellationToken);
}

/// <summary>The end of a job a policy started: its run registers, promotes or fails.</summary>
public sealed class PolicyJobEndedConsumer(PolicyLoop loop)
    : IConsumer<TrainingJobCompleted>, IConsumer<TrainingJobFailed>
{
    public Task Consume(ConsumeContext<TrainingJobCompleted> context) =>
        context.Message.Policy.Length == 0
            ? Task.CompletedTask
            : loop.OnJobEndedAsync(context.Message.TrainingJob, context.CancellationToken);

    public Task Consume(ConsumeContext<TrainingJobFailed> context) =>
        context.Message.Policy.Length == 0
            ? Task.CompletedTask
            : loop.OnJobEndedAsync(context.Message.TrainingJob, context.CancellationToken);
}
