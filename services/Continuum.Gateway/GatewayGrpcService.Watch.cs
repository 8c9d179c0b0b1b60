using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Continuum.Gateway.Events;
using Continuum.Gateway.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.ServiceDefaults.Persistence;
using Grpc.Core;

namespace Continuum.Gateway;

public sealed partial class GatewayGrpcService
{
    private const string CursorExpired = "CURSOR_EXPIRED";
    private const int WatchBatch = 100;

    // Every append of this process wakes the streams at once; the poll only bounds the delay should another gateway
    // process write to the same database, which a deployment of one gateway never does.
    private static readonly TimeSpan WatchPoll = TimeSpan.FromSeconds(10);

    public override async Task WatchEvents(WatchEventsRequest request,
        IServerStreamWriter<WatchEventsResponse> responseStream, ServerCallContext context)
    {
        var types = EventTypes(request.EventTypes);
        // "0" starts at the oldest event kept when the first page is read, so retention racing the call is no error.
        var fromOldest = request.StartCursor == "0";
        var position = fromOldest
            ? 0
            : ParseCursor(request.StartCursor, await events.StateAsync(context.CancellationToken));

        // Headers tell the caller the starting point is fixed: every event stored from now on will be streamed.
        await context.WriteResponseHeadersAsync([]);

        // The stream is open-ended: it ends when the caller leaves or the host stops.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(
            context.CancellationToken, lifetime.ApplicationStopping);
        var ct = stop.Token;
        try
        {
            while (true)
            {
                var next = events.Appended.Next;
                var page = await events.ReadAsync(position, types, WatchBatch, ct);
                if (page.State.PrunedThrough > position)
                {
                    if (!fromOldest)
                    {
                        ThrowExpired(page.State.PrunedThrough,
                            $"This stream fell behind the event log's retention: the events after cursor {position} "
                            + $"up to {page.State.PrunedThrough} were deleted before they were sent.");
                    }

                    position = page.State.PrunedThrough;
                    continue;
                }

                fromOldest = false;
                foreach (var stored in page.Events)
                {
                    await responseStream.WriteAsync(EventMessages.ToResponse(stored), ct);
                    position = stored.Seq;
                }

                if (page.Events.Count < WatchBatch)
                {
                    // The whole log up to last_seq was in this snapshot; what was not sent did not match the types,
                    // so the next read starts after it rather than scanning it again.
                    position = Math.Max(position, page.State.LastSeq);
                    await ChangeSignal.WaitAsync(next, WatchPoll, ct);
                }
            }
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested
            && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable,
                $"The gateway is stopping; reconnect with start_cursor {position} to continue."));
        }
    }

    private static List<string> EventTypes(IEnumerable<string> names)
    {
        var requested = names.Distinct(StringComparer.Ordinal).ToList();
        var unknown = requested.Where(n => !EventMessages.IsKnown(n)).ToList();
        if (unknown.Count > 0)
        {
            RpcErrors.ThrowInvalidArgument("event_types",
                $"{string.Join(", ", unknown.Select(n => $"'{n}'"))} "
                + $"{(unknown.Count == 1 ? "is not an event type" : "are not event types")}; "
                + $"known: {string.Join(", ", EventMessages.Names)}.");
        }

        return requested;
    }

    /// <summary>Empty: from now on; a number from the oldest kept to the newest event: after it.</summary>
    private static long ParseCursor(string cursor, EventLogState log)
    {
        if (cursor.Length == 0)
        {
            return log.LastSeq;
        }

        if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var after))
        {
            RpcErrors.ThrowInvalidArgument("start_cursor", "is not a cursor returned by this call.");
        }

        if (after > log.LastSeq)
        {
            RpcErrors.ThrowInvalidArgument("start_cursor",
                $"{after} is ahead of the newest event, {log.LastSeq}; was the gateway's database replaced?");
        }

        if (after < log.PrunedThrough)
        {
            ThrowExpired(log.PrunedThrough,
                $"The events after cursor {after} up to {log.PrunedThrough} are no longer kept.");
        }

        return after;
    }

    [DoesNotReturn]
    private static void ThrowExpired(long prunedThrough, string what) =>
        RpcErrors.ThrowFailedPrecondition(GatewayService.Descriptor.FullName, CursorExpired,
            $"{what} Watch again from start_cursor {prunedThrough} or \"0\" (every event still kept), or empty "
            + "(from now on).",
            new Dictionary<string, string>
            {
                ["earliest_cursor"] = prunedThrough.ToString(CultureInfo.InvariantCulture),
            });
}
