using System.Data.Common;
using Continuum.Registry.Gates;
using Continuum.Registry.V1;
using Dapper;
using Google.Protobuf;

namespace Continuum.Registry.Storage;

/// <summary>A row of <c>promotion_gates</c>; <see cref="GateJson"/> is the gate's rules as proto JSON.</summary>
public sealed class GateRow
{
    public string Model { get; init; } = "";
    public string GateJson { get; init; } = "{}";
    public string UpdateTime { get; init; } = "";
    public string UpdatedBy { get; init; } = "";
}

/// <summary>What a gate judges: the gate, the candidate, the alias it guards, the version that alias is on.</summary>
public sealed record PromotionInputs(
    PromotionGate Gate, ModelVersionRow Candidate, AliasRow? Current, ModelVersionRow? Champion);

public sealed partial class ModelRepository
{
    public async Task<GateRow?> GetGateAsync(string model, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await GetGateAsync(connection, null, model, ct);
    }

    /// <summary>Stores a model's gate in place of the one before; false when the model does not exist.</summary>
    public async Task<bool> SetGateAsync(GateRow gate, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        // One statement, so that a model deleted meanwhile gets no gate row; the WHERE also keeps SQLite from
        // reading ON CONFLICT as part of the SELECT.
        var stored = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO promotion_gates (model, gate_json, update_time, updated_by)
            SELECT @Model, @GateJson, @UpdateTime, @UpdatedBy WHERE EXISTS (SELECT 1 FROM models WHERE id = @Model)
            ON CONFLICT (model) DO UPDATE SET gate_json = excluded.gate_json, update_time = excluded.update_time,
                updated_by = excluded.updated_by
            """, gate, cancellationToken: ct));
        return stored == 1;
    }

    /// <summary>The inputs of a gate evaluation; null when the candidate (or its model) does not exist.</summary>
    public async Task<PromotionInputs?> ReadPromotionAsync(string model, long? number, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await ReadPromotionAsync(connection, null, model, number, ct);
    }

    /// <summary>
    /// Reads the gate's inputs and lets <paramref name="decide"/> judge them in one transaction, under the model's
    /// lock, so that no alias move or new gate slips in between. When it returns an alias row, the alias is moved
    /// (or created) and the change <paramref name="changeFor"/> makes of the previous version (0 when new) is
    /// journaled; when it returns null, nothing changes. Null when the candidate does not exist (any more).
    /// </summary>
    public async Task<PromotionInputs?> PromoteAsync(string model, long? number, string now,
        Func<PromotionInputs, AliasRow?> decide, Func<long, IMessage> changeFor, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Raising the model's update time takes its lock first, as SetAliasAsync does; a rollback undoes it.
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE models SET update_time = @Now WHERE id = @Model", new { Model = model, Now = now }, tx,
            cancellationToken: ct));
        var inputs = await ReadPromotionAsync(connection, tx, model, number, ct);
        if (inputs is null || decide(inputs) is not { } move)
        {
            return inputs;
        }

        await WriteAliasAsync(connection, tx, move, isNew: inputs.Current is null, ct);
        await AppendChangeAsync(connection, tx, model, changeFor(inputs.Current?.Version ?? 0), now, ct);
        await CommitChangeAsync(tx, ct);
        return inputs;
    }

    private static async Task<PromotionInputs?> ReadPromotionAsync(
        DbConnection connection, DbTransaction? tx, string model, long? number, CancellationToken ct)
    {
        var candidate = await connection.QuerySingleOrDefaultAsync<ModelVersionRow>(new CommandDefinition(
            number is null
                ? $"SELECT {VersionColumns} FROM model_versions WHERE model = @Model ORDER BY version DESC LIMIT 1"
                : $"SELECT {VersionColumns} FROM model_versions WHERE model = @Model AND version = @Number",
            new { Model = model, Number = number }, tx, cancellationToken: ct));
        if (candidate is null)
        {
            return null;
        }

        var gate = PromotionGates.ToProto(model, await GetGateAsync(connection, tx, model, ct));
        var current = await connection.QuerySingleOrDefaultAsync<AliasRow>(new CommandDefinition(
            $"SELECT {AliasColumns} FROM model_aliases WHERE model = @Model AND alias = @Alias",
            new { Model = model, gate.Alias }, tx, cancellationToken: ct));
        var champion = current is null
            ? null
            : await connection.QuerySingleAsync<ModelVersionRow>(new CommandDefinition(
                $"SELECT {VersionColumns} FROM model_versions WHERE model = @Model AND version = @Version",
                current, tx, cancellationToken: ct));
        return new PromotionInputs(gate, candidate, current, champion);
    }

    private static Task<GateRow?> GetGateAsync(
        DbConnection connection, DbTransaction? tx, string model, CancellationToken ct) =>
        connection.QuerySingleOrDefaultAsync<GateRow>(new CommandDefinition(
            """
            SELECT model AS Model, gate_json AS GateJson, update_time AS UpdateTime, updated_by AS UpdatedBy
            FROM promotion_gates WHERE model = @Model
            """, new { Model = model }, tx, cancellationToken: ct));
}
