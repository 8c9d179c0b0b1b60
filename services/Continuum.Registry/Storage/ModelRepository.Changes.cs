using System.Data.Common;
using Dapper;
using Google.Protobuf;

namespace Continuum.Registry.Storage;

/// <summary>A row of <c>model_changes</c>: one events.proto message, as proto JSON, at its journal place.</summary>
public sealed class ChangeRow
{
    public long Seq { get; init; }
    public string Model { get; init; } = "";
    public string EventType { get; init; } = "";
    public string EventJson { get; init; } = "{}";
}

public sealed partial class ModelRepository
{
    private const string ChangeColumns =
        "seq AS Seq, model AS Model, event_type AS EventType, event_json AS EventJson";

    /// <summary>
    /// Journals a change. It must be the last write of its transaction: raising the counter takes the lock that
    /// makes journal order commit order, and the lock should be held as briefly as possible.
    /// </summary>
    private static async Task AppendChangeAsync(
        DbConnection connection, DbTransaction tx, string model, IMessage change, string now, CancellationToken ct)
    {
        var seq = await connection.QuerySingleAsync<long>(new CommandDefinition(
            "UPDATE change_counter SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq", transaction: tx,
            cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO model_changes (seq, model, event_type, event_json, published, create_time)
            VALUES (@Seq, @Model, @EventType, @EventJson, 0, @Now)
            """, new
            {
                Seq = seq, Model = model, EventType = change.Descriptor.Name,
                EventJson = JsonFormatter.Default.Format(change), Now = now,
            }, tx, cancellationToken: ct));
    }

    /// <summary>Commits a transaction that journaled a change and wakes the publisher and the watchers.</summary>
    private async Task CommitChangeAsync(DbTransaction tx, CancellationToken ct)
    {
        await tx.CommitAsync(ct);
        changes.Notify();
    }

    /// <summary>The position of the newest change; 0 when there is none.</summary>
    public async Task<long> LastChangeAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleAsync<long>(new CommandDefinition(
            "SELECT last_seq FROM change_counter WHERE id = 1", cancellationToken: ct));
    }

    /// <summary>Changes after <paramref name="after"/> in order, of one model or (null) of all.</summary>
    public async Task<IReadOnlyList<ChangeRow>> ListChangesAsync(
        string? model, long after, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            $"""
            SELECT {ChangeColumns} FROM model_changes
            WHERE seq > @After AND (@Model IS NULL OR model = @Model)
            ORDER BY seq
            LIMIT @Limit
            """, new { Model = model, After = after, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>The oldest changes the bus has not taken yet.</summary>
    public async Task<IReadOnlyList<ChangeRow>> ListUnpublishedAsync(int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ChangeRow>(new CommandDefinition(
            $"SELECT {ChangeColumns} FROM model_changes WHERE published = 0 ORDER BY seq LIMIT @Limit",
            new { Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task MarkPublishedAsync(long seq, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE model_changes SET published = 1 WHERE seq = @Seq", new { Seq = seq }, cancellationToken: ct));
    }
}
