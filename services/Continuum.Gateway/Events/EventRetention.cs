using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Continuum.Gateway.Events;

/// <summary>
/// Deletes events older than <see cref="EventRetentionOptions.MaxAge"/>. The count limit needs no timer: each append
/// enforces it.
/// </summary>
public sealed partial class EventRetention(
    EventLog log, IOptions<GatewayOptions> options, ILogger<EventRetention> logger) : BackgroundService
{
    // A week's retention does not need to be kept to the second.
    private static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var maxAge = options.Value.EventRetention.MaxAge;
        using var timer = new PeriodicTimer(Every);
        do
        {
            try
            {
                var deleted = await log.PruneReceivedBeforeAsync(DateTimeOffset.UtcNow - maxAge, stoppingToken);
                if (deleted > 0)
                {
                    LogPruned(deleted, maxAge);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogPruneFailed(e);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 610, Level = LogLevel.Information,
        Message = "Deleted {Count} events received more than {MaxAge} ago from the event log")]
    private partial void LogPruned(long count, TimeSpan maxAge);

    [LoggerMessage(EventId = 611, Level = LogLevel.Warning,
        Message = "Deleting old events from the event log failed; trying again in a minute")]
    private partial void LogPruneFailed(Exception exception);
}
