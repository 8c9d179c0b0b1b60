using System.Data.Common;
using Continuum.ServiceDefaults.Persistence;
using Dapper;
using Google.Protobuf;

namespace Continuum.Registry.Storage;

/// <summary>What deleting a version did: nothing (not found), nothing (aliases point to it), or deleted.</summary>
public sealed record VersionDeletion(bool Found, IReadOnlyList<string> BlockingAliases, IReadOnlyList<string> Orphans);

public sealed partial class ModelRepository
{
    private const string VersionColumns =
        """
        model AS Model, version AS Version, artifact_sha256 AS ArtifactSha256, artifact_size AS ArtifactSize,
        version_json AS VersionJson
        """;

    /// <summary>A version by number, or the highest-numbered one when <paramref name="number"/> is null.</summary>
    public async Task<ModelVersionRow?> GetVersionAsync(string model, long? number, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var sql = number is null
            ? $"SELECT {VersionColumns} FROM model_versions WHERE model = @Model ORDER BY version DESC LIMIT 1"
            : $"SELECT {VersionColumns} FROM model_versions WHERE model = @Model AND version = @Number";
        return await connection.QuerySingleOrDefaultAsync<ModelVersionRow>(new CommandDefinition(
            sql, new { Model = model, Number = number }, cancellationToken: ct));
    }

    /// <summary>
    /// Like <see cref="GetVersionAsync"/>, with the ids of the aliases that point to the version, in id order:
    /// one query, joined, instead of one for the row and one for the aliases.
    /// </summary>
    public Task<(ModelVersionRow Row, IReadOnlyList<string> Aliases)?> GetVersionWithAliasesAsync(
        string model, long? number, CancellationToken ct)
    {
        var version = number is null ? "(SELECT MAX(version) FROM model_versions WHERE model = @Model)" : "@Number";
        KeyValuePair<string, object?>[] parameters = number is null
            ? [new("@Model", model)]
            : [new("@Model", model), new("@Number", number)];
        // The hottest read of the registry, hence a prepared statement and columns read by position.
        return database.ReadAsync<(ModelVersionRow, IReadOnlyList<string>)?>(
            $"""
            SELECT v.model, v.version, v.artifact_sha256, v.artifact_size, v.version_json, a.alias
            FROM model_versions v
            LEFT JOIN model_aliases a ON a.model = v.model AND a.version = v.version
            WHERE v.model = @Model AND v.version = {version}
            ORDER BY a.alias
            """, parameters, rows =>
            {
                ModelVersionRow? row = null;
                var aliases = new List<string>();
                while (rows.Read())
                {
                    row ??= new ModelVersionRow
                    {
                        Model = rows.GetString(0), Version = rows.GetInt64(1), ArtifactSha256 = rows.GetString(2),
                        ArtifactSize = rows.GetInt64(3), VersionJson = rows.GetString(4),
                    };
                    // Without aliases the join still gives the version's one row, with a null alias.
                    if (!rows.IsDBNull(5))
                    {
                        aliases.Add(rows.GetString(5));
                    }
                }

                return row is null ? null : (row, aliases);
            }, ct);
    }

    public async Task<ModelVersionRow?> FindByRequestAsync(string model, string requestId, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ModelVersionRow>(new CommandDefinition(
            $"SELECT {VersionColumns} FROM model_versions WHERE model = @Model AND request_id = @RequestId",
            new { Model = model, RequestId = requestId }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<ModelVersionRow>> ListVersionsAsync(
        string model, long after, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ModelVersionRow>(new CommandDefinition(
            $"""
            SELECT {VersionColumns} FROM model_versions
            WHERE model = @Model AND version > @After
            ORDER BY version
            LIMIT @Limit
            """, new { Model = model, After = after, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Numbers and inserts a version whose artifact is already stored. The number comes from the model's
    /// <c>last_version</c>, raised in the same transaction: the row lock (PostgreSQL) or the write lock (SQLite)
    /// makes concurrent uploads take turns, and a rollback gives the number back, so there is no gap. Returns
    /// null when the model is gone, and the earlier version when another upload with the same request id won.
    /// The change <paramref name="changeFor"/> makes of the number is journaled in the same transaction.
    /// </summary>
    public async Task<(ModelVersionRow Row, bool Created)?> InsertVersionAsync(
        string model, string sha256, long size, string? requestId, ModelVersionRef? parent,
        Func<long, string> versionJson, Func<long, IMessage> changeFor, string now, CancellationToken ct)
    {
        await using (var connection = await database.OpenAsync(ct))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            try
            {
                var number = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                    """
                    UPDATE models SET last_version = last_version + 1, update_time = @Now WHERE id = @Model
                    RETURNING last_version
                    """, new { Model = model, Now = now }, tx, cancellationToken: ct));
                if (number is not { } n)
                {
                    return null;
                }

                var row = new ModelVersionRow
                {
                    Model = model, Version = n, ArtifactSha256 = sha256, ArtifactSize = size,
                    VersionJson = versionJson(n),
                };
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO model_versions
                        (model, version, artifact_sha256, artifact_size, request_id, version_json, create_time)
                    VALUES (@Model, @Version, @ArtifactSha256, @ArtifactSize, @RequestId, @VersionJson, @Now)
                    """, new { row.Model, row.Version, row.ArtifactSha256, row.ArtifactSize, RequestId = requestId,
                        row.VersionJson, Now = now }, tx, cancellationToken: ct));
                if (parent is { } p)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO model_version_parents (model, version, parent_model, parent_version)
                        VALUES (@Model, @Version, @ParentModel, @ParentVersion)
                        """, new { Model = model, Version = n, ParentModel = p.Model,
                            ParentVersion = p.Number }, tx, cancellationToken: ct));
                }

                await AppendChangeAsync(connection, tx, model, changeFor(n), now, ct);
                await CommitChangeAsync(tx, ct);
                return (row, true);
            }
            catch (DbException e) when (requestId is not null && SqlErrors.IsUniqueViolation(e))
            {
                // Only the request id can collide: the number is taken under the lock.
                await tx.RollbackAsync(CancellationToken.None);
            }
        }

        var earlier = await FindByRequestAsync(model, requestId, ct);
        return earlier is null ? null : (earlier, false);
    }

    /// <summary>Deletes a version unless an alias points to it; its number stays taken.</summary>
    public async Task<VersionDeletion> DeleteVersionAsync(string model, long number, string now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var args = new { Model = model, Number = number, Now = now };
        var sha = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT artifact_sha256 FROM model_versions WHERE model = @Model AND version = @Number", args, tx,
            cancellationToken: ct));
        if (sha is null)
        {
            return new VersionDeletion(false, [], []);
        }

        var aliases = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT alias FROM model_aliases WHERE model = @Model AND version = @Number ORDER BY alias", args, tx,
            cancellationToken: ct))).AsList();
        if (aliases.Count > 0)
        {
            return new VersionDeletion(true, aliases, []);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM model_version_parents WHERE model = @Model AND version = @Number;
            DELETE FROM model_versions WHERE model = @Model AND version = @Number;
            UPDATE models SET update_time = @Now WHERE id = @Model;
            """, args, tx, cancellationToken: ct));
        var orphans = await UnreferencedAsync(connection, tx, [sha], ct);
        await tx.CommitAsync(ct);
        ModelMapper.Versions.Evict(model, number);
        return new VersionDeletion(true, [], orphans);
    }
}
