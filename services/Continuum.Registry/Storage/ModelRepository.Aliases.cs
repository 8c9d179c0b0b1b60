using System.Data.Common;
using Dapper;
using Google.Protobuf;

namespace Continuum.Registry.Storage;

public sealed partial class ModelRepository
{
    private const string AliasColumns =
        """
        model AS Model, alias AS Alias, version AS Version, update_time AS UpdateTime, updated_by AS UpdatedBy,
        reason AS Reason, gated AS Gated
        """;

    /// <summary>Every alias of the given models, by model and alias.</summary>
    public async Task<IReadOnlyList<AliasRow>> ListAliasesAsync(
        IReadOnlyCollection<string> models, CancellationToken ct)
    {
        if (models.Count == 0)
        {
            return [];
        }

        // One named parameter per model: list expansion is not the same on both providers.
        var parameters = new DynamicParameters();
        var names = models.Select((m, i) =>
        {
            parameters.Add($"M{i}", m);
            return $"@M{i}";
        }).ToList();
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<AliasRow>(new CommandDefinition(
            $"SELECT {AliasColumns} FROM model_aliases WHERE model IN ({string.Join(", ", names)})"
            + " ORDER BY model, alias",
            parameters, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<AliasRow?> GetAliasAsync(string model, string alias, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<AliasRow>(new CommandDefinition(
            $"SELECT {AliasColumns} FROM model_aliases WHERE model = @Model AND alias = @Alias",
            new { Model = model, Alias = alias }, cancellationToken: ct));
    }

    /// <summary>
    /// Points an alias at a version, creating it when needed. Returns the version it pointed to before (0 when
    /// new), or null when the version does not exist (any more). The change <paramref name="changeFor"/> makes of
    /// the previous version is journaled in the same transaction.
    /// </summary>
    public async Task<long?> SetAliasAsync(AliasRow alias, Func<long, IMessage> changeFor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Raising the model's update time first takes the model's lock, so two setters of one alias take turns.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE models SET update_time = @UpdateTime WHERE id = @Model", alias, tx, cancellationToken: ct));
        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM model_versions WHERE model = @Model AND version = @Version", alias, tx,
            cancellationToken: ct));
        if (exists == 0)
        {
            return null;
        }

        var previous = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "SELECT version FROM model_aliases WHERE model = @Model AND alias = @Alias", alias, tx,
            cancellationToken: ct));
        await WriteAliasAsync(connection, tx, alias, isNew: previous is null, ct);
        await AppendChangeAsync(connection, tx, alias.Model, changeFor(previous ?? 0), alias.UpdateTime, ct);
        await CommitChangeAsync(tx, ct);
        return previous ?? 0;
    }

    private static Task WriteAliasAsync(
        DbConnection connection, DbTransaction tx, AliasRow alias, bool isNew, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            isNew
                ? """
                  INSERT INTO model_aliases (model, alias, version, update_time, updated_by, reason, gated)
                  VALUES (@Model, @Alias, @Version, @UpdateTime, @UpdatedBy, @Reason, @Gated)
                  """
                : """
                  UPDATE model_aliases SET version = @Version, update_time = @UpdateTime, updated_by = @UpdatedBy,
                      reason = @Reason, gated = @Gated
                  WHERE model = @Model AND alias = @Alias
                  """, alias, tx, cancellationToken: ct));

    /// <summary>
    /// Removes an alias and journals the change <paramref name="changeFor"/> makes of the version it pointed to;
    /// returns that version, or null when there was no such alias.
    /// </summary>
    public async Task<long?> DeleteAliasAsync(
        string model, string alias, string now, Func<long, IMessage> changeFor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var args = new { Model = model, Alias = alias, Now = now };
        var previous = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            "DELETE FROM model_aliases WHERE model = @Model AND alias = @Alias RETURNING version", args, tx,
            cancellationToken: ct));
        if (previous is null)
        {
            return null;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE models SET update_time = @Now WHERE id = @Model", args, tx, cancellationToken: ct));
        await AppendChangeAsync(connection, tx, model, changeFor(previous.Value), now, ct);
        await CommitChangeAsync(tx, ct);
        return previous;
    }
}
