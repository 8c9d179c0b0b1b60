using Continuum.Events;
using Continuum.Registry.Storage;
using Continuum.ServiceDefaults.Persistence;
using Google.Protobuf;
using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Continuum.Registry.Changes;

/// <summary>
/// Publishes the journaled changes on the bus in journal order, after their commit, and marks each one done. A
/// change committed just before a crash is published at the next start: delivery is at least once, and a
/// subscriber tells repeats apart by <c>event_id</c>.
/// </summary>
// TODO: two registry processes on one database may both publish a change before either marks it; claiming rows
// (FOR UPDATE SKIP LOCKED on PostgreSQL) would make repeats rarer. Subscribers must dedupe by event_id anyway.
public sealed partial class ChangePublisher(
    ModelRepository repository, ChangeSignal signal, IBus bus, ILogger<ChangePublisher> logger) : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var next = signal.Next;
            try
            {
                await PublishPendingAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPublishFailed(e, RetryAfter.TotalSeconds);
                next = Task.Delay(RetryAfter, stoppingToken);
            }

            try
            {
                await ChangeSignal.WaitAsync(next, Poll, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PublishPendingAsync(CancellationToken ct)
    {
        IReadOnlyList<ChangeRow> batch;
        do
        {
            batch = await repository.ListUnpublishedAsync(100, ct);
            foreach (var change in batch)
            {
                await PublishAsync(RegistryChanges.Parse(change), ct);
                await repository.MarkPublishedAsync(change.Seq, ct);
            }
        }
        while (batch.Count == 100);
    }

    private Task PublishAsync(IMessage change, CancellationToken ct) => change switch
    {
        Continuum.Events.V1.ModelVersionCreated created =>
            bus.Publish(EventRecords.FromProto<ModelVersionCreated>(created), ct),
        Continuum.Events.V1.ModelAliasChanged moved =>
            bus.Publish(EventRecords.FromProto<ModelAliasChanged>(moved), ct),
        _ => throw new InvalidOperationException($"No bus event for {change.Descriptor.FullName}."),
    };

    [LoggerMessage(EventId = 410, Level = LogLevel.Warning,
        Message = "Publishing registry changes failed; trying again in {Seconds} s")]
    private partial void LogPublishFailed(Exception exception, double seconds);
}
