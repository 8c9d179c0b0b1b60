using System.Globalization;
using Continuum.ServiceDefaults.Persistence;
using Dapper;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Continuum.Gateway.Events;

/// <summary>A row of <c>event_log</c>: one events.proto message, as proto JSON, at its place in the log.</summary>
public sealed class StoredEvent
{
    public long Seq { get; init; }
    public string EventType { get; init; } = "";
    public string EventJson { get; init; } = "{}";
    public string ReceiveTime { get; init; } = "";
}

/// <param name="LastSeq">The newest event's seq; 0 before the first.</param>
/// <param name="PrunedThrough">Every event up to this seq is gone; a cursor below it has lost events.</param>
public sealed record EventLogState(long LastSeq, long PrunedThrough);

/// <summary>Events after a position, read in one snapshot with the log's state at that moment.</summary>
public sealed record EventPage(IReadOnlyList<StoredEvent> Events, EventLogState State);

/// <summary>
/// The gateway's event log (table <c>event_log</c>): appended by the bus consumer, read by WatchEvents, cut down to
/// the configured retention. The gateway is its only writer, so <see cref="Appended"/> wakes every reader.
/// </summary>
public sealed class EventLog(
    [FromKeyedServices(GatewayServiceExtensions.ServiceName)] ServiceDatabase database,
    IOptions<GatewayOptions> options)
{
    private readonly long maxEvents = options.Value.EventRetention.MaxEvents;

    /// <summary>Notified after every commit that added an event.</summary>
    public ChangeSignal Appended { get; } = new();

    /// <summary>
    /// Stores an event unless one with its id is stored already (a redelivery), and deletes what falls out of the
    /// count limit in the same transaction. False when it was a repeat.
    /// </summary>
    public async Task<bool> AppendAsync(string eventId, IMessage message, DateTimeOffset receiveTime,
        CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM event_log WHERE event_id = @EventId", new { EventId = eventId }, tx,
            cancellationToken: ct)) > 0)
        {
            return false;
        }

        // Raising the counter takes the lock that makes seq order commit order; it is held to the commit.
        var state = await connection.QuerySingleAsync<EventLogState>(new CommandDefinition(
            """
            UPDATE event_log_state SET last_seq = last_seq + 1 WHERE id = 1
            RETURNING last_seq AS LastSeq, pruned_through AS PrunedThrough
            """, transaction: tx, cancellationToken: ct));
        // A concurrent delivery of the same event may have committed since the check above; then this one yields,
        // and the rollback takes the counter back, so no seq is skipped.
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO event_log (seq, event_id, event_type, event_json, receive_time)
            VALUES (@Seq, @EventId, @EventType, @EventJson, @ReceiveTime)
            ON CONFLICT (event_id) DO NOTHING
            """, new
            {
                Seq = state.LastSeq, EventId = eventId, EventType = message.Descriptor.Name,
                EventJson = JsonFormatter.Default.Format(message), ReceiveTime = Time(receiveTime),
            }, tx, cancellationToken: ct));
        if (inserted == 0)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        var through = state.LastSeq - maxEvents;
        if (through > state.PrunedThrough)
        {
            await PruneAsync(connection, tx, state.PrunedThrough, through, ct);
        }

        await tx.CommitAsync(ct);
        Appended.Notify();
        return true;
    }

    public async Task<EventLogState> StateAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleAsync<EventLogState>(new CommandDefinition(
            "SELECT last_seq AS LastSeq, pruned_through AS PrunedThrough FROM event_log_state WHERE id = 1",
            cancellationToken: ct));
    }

    /// <summary>
    /// Up to <paramref name="limit"/> events after <paramref name="after"/> in order, only those of
    /// <paramref name="types"/> unless it is empty, with the state they were read at.
    /// </summary>
    public async Task<EventPage> ReadAsync(long after, IReadOnlyCollection<string> types, int limit,
        CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // One statement, so the events and the state come from one snapshot: an event missing from the page was
        // either not committed yet or counted in pruned_through, never silently gone.
        // A parameter per type rather than Dapper's list expansion, which Npgsql would take as one array.
        var parameters = new DynamicParameters(new { After = after, Limit = limit });
        var names = types.Select((type, i) =>
        {
            parameters.Add($"T{i}", type);
            return $"@T{i}";
        }).ToList();
        var filter = names.Count > 0 ? $"AND event_type IN ({string.Join(", ", names)})" : "";
        var rows = await connection.QueryAsync<PageRow>(new CommandDefinition(
            $"""
            SELECT s.last_seq AS LastSeq, s.pruned_through AS PrunedThrough, e.seq AS Seq,
                   e.event_type AS EventType, e.event_json AS EventJson, e.receive_time AS ReceiveTime
            FROM event_log_state s
            LEFT JOIN (
                SELECT seq, event_type, event_json, receive_time FROM event_log
                WHERE seq > @After {filter}
                ORDER BY seq
                LIMIT @Limit
            ) e ON 1 = 1
            WHERE s.id = 1
            ORDER BY e.seq
            """, parameters, cancellationToken: ct));
        var list = rows.AsList();
        var events = list.Where(r => r.Seq is not null).Select(r => new StoredEvent
        {
            Seq = r.Seq!.Value, EventType = r.EventType!, EventJson = r.EventJson!, ReceiveTime = r.ReceiveTime!,
        }).ToList();
        return new EventPage(events, new EventLogState(list[0].LastSeq, list[0].PrunedThrough));
    }

    /// <summary>Deletes every event received before <paramref name="cutoff"/>; returns how many went.</summary>
    public async Task<long> PruneReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Pruning always removes a prefix of the log, up to the newest old event, so that pruned_through says
        // exactly which cursors still see everything after them.
        var through = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM event_log WHERE receive_time < @Cutoff", new { Cutoff = Time(cutoff) }, tx,
            cancellationToken: ct));
        if (through is null)
        {
            return 0;
        }

        // Taking the state row's lock orders this with appends, which may have pruned further meanwhile.
        var pruned = await connection.QuerySingleAsync<long>(new CommandDefinition(
            "UPDATE event_log_state SET last_seq = last_seq WHERE id = 1 RETURNING pruned_through",
            transaction: tx, cancellationToken: ct));
        var deleted = through > pruned ? await PruneAsync(connection, tx, pruned, through.Value, ct) : 0;
        await tx.CommitAsync(ct);
        return deleted;
    }

    private static async Task<long> PruneAsync(System.Data.Common.DbConnection connection,
        System.Data.Common.DbTransaction tx, long from, long through, CancellationToken ct)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE event_log_state SET pruned_through = @Through WHERE id = 1", new { Through = through }, tx,
            cancellationToken: ct));
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM event_log WHERE seq > @From AND seq <= @Through", new { From = from, Through = through }, tx,
            cancellationToken: ct));
    }

    private static string Time(DateTimeOffset time) =>
        time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private sealed class PageRow
    {
        public long LastSeq { get; init; }
        public long PrunedThrough { get; init; }
        public long? Seq { get; init; }
        public string? EventType { get; init; }
        public string? EventJson { get; init; }
        public string? ReceiveTime { get; init; }
    }
}
