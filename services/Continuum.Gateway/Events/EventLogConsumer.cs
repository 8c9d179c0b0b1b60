using Continuum.Events;
using MassTransit;

namespace Continuum.Gateway.Events;

/// <summary>
/// Appends every event the services publish to the gateway's event log, each once however often the bus delivers
/// it. One consumer on one queue for every type, so the log keeps the order the bus delivered them in.
/// </summary>
public sealed class EventLogConsumer(EventLog log)
    : IConsumer<DatasetVersionCreated>, IConsumer<TrainingJobCompleted>, IConsumer<TrainingJobFailed>,
        IConsumer<StudyCompleted>, IConsumer<CompressionJobCompleted>, IConsumer<ModelVersionCreated>,
        IConsumer<ModelAliasChanged>
{
    public Task Consume(ConsumeContext<DatasetVersionCreated> context) =>
        AppendAsync(context, context.Message.EventId);

    public Task Consume(ConsumeContext<TrainingJobCompleted> context) =>
        AppendAsync(context, context.Message.EventId);

    public Task Consume(ConsumeContext<TrainingJobFailed> context) => AppendAsync(context, context.Message.EventId);

    public Task Consume(ConsumeContext<StudyCompleted> context) => AppendAsync(context, context.Message.EventId);

    public Task Consume(ConsumeContext<CompressionJobCompleted> context) =>
        AppendAsync(context, context.Message.EventId);

    public Task Consume(ConsumeContext<ModelVersionCreated> context) => AppendAsync(context, context.Message.EventId);

    public Task Consume(ConsumeContext<ModelAliasChanged> context) => AppendAsync(context, context.Message.EventId);

    private Task AppendAsync<T>(ConsumeContext<T> context, string eventId)
        where T : class =>
        // Every publisher sets event_id; the bus's own message id keeps an event without one from being taken for
        // a repeat of another.
        log.AppendAsync(eventId.Length > 0 ? eventId : $"bus:{context.MessageId}",
            EventMessages.FromRecord(context.Message), DateTimeOffset.UtcNow, context.CancellationToken);
}

/// <summary>
/// One message at a time, so events are stored in the order the queue holds them. A failed append (the database
/// briefly away) is retried in place, keeping that order, before the message goes to the error queue.
/// </summary>
public sealed class EventLogConsumerDefinition : ConsumerDefinition<EventLogConsumer>
{
    public EventLogConsumerDefinition()
    {
        ConcurrentMessageLimit = 1;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<EventLogConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(r => r.Intervals(
            TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)));
    }
}
