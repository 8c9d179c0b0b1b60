using System.Data.Common;
using System.Text.Json;
using Continuum.ServiceDefaults.Persistence;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Registry.Storage;

/// <summary>The registry's SQL for models and their tags; versions and aliases are in the partial files.</summary>
public sealed partial class ModelRepository(
    [FromKeyedServices(RegistryServiceExtensions.ServiceName)] ServiceDatabase database, ChangeSignal changes)
{
    private const string ModelColumns =
        """
        m.id AS Id, m.description AS Description, m.tags_json AS TagsJson, m.create_time AS CreateTime,
        m.update_time AS UpdateTime,
        (SELECT COALESCE(MAX(v.version), 0) FROM model_versions v WHERE v.model = m.id) AS LatestVersion,
        (SELECT COUNT(*) FROM model_versions v WHERE v.model = m.id) AS VersionCount
        """;

    public async Task<bool> InsertModelAsync(
        string id, string description, IReadOnlyDictionary<string, string> tags, string now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO models (id, description, tags_json, last_version, create_time, update_time)
                VALUES (@Id, @Description, @TagsJson, 0, @Now, @Now)
                """, new { Id = id, Description = description, TagsJson = JsonSerializer.Serialize(tags), Now = now },
                tx, cancellationToken: ct));
            await InsertTagsAsync(connection, tx, id, tags, ct);
            await tx.CommitAsync(ct);
            return true;
        }
        catch (DbException e) when (SqlErrors.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task<ModelRow?> GetModelAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<ModelRow>(new CommandDefinition(
            $"SELECT {ModelColumns} FROM models m WHERE m.id = @Id", new { Id = id }, cancellationToken: ct));
    }

    /// <summary>
    /// Models after <paramref name="after"/> in id order that have every tag of <paramref name="filter"/>; an
    /// empty value in the filter asks only for the key.
    /// </summary>
    public async Task<IReadOnlyList<ModelRow>> ListModelsAsync(
        string? after, IReadOnlyDictionary<string, string> filter, int limit, CancellationToken ct)
    {
        var parameters = new DynamicParameters(new { After = after, Limit = limit });
        var conditions = filter.OrderBy(f => f.Key, StringComparer.Ordinal).Select((f, i) =>
        {
            parameters.Add($"Tag{i}", f.Key);
            parameters.Add($"Value{i}", f.Value);
            return $"""
                AND EXISTS (SELECT 1 FROM model_tags t WHERE t.model = m.id AND t.tag = @Tag{i}
                    AND (@Value{i} = '' OR t.value = @Value{i}))
                """;
        });
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<ModelRow>(new CommandDefinition(
            $"""
            SELECT {ModelColumns} FROM models m
            WHERE (@After IS NULL OR m.id > @After)
            {string.Join('\n', conditions)}
            ORDER BY m.id
            LIMIT @Limit
            """, parameters, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<bool> UpdateModelAsync(
        string id, string description, IReadOnlyDictionary<string, string> tags, string now, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE models SET description = @Description, tags_json = @TagsJson, update_time = @Now WHERE id = @Id
            """, new { Id = id, Description = description, TagsJson = JsonSerializer.Serialize(tags), Now = now },
            tx, cancellationToken: ct));
        if (changed != 1)
        {
            return false;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM model_tags WHERE model = @Id", new { Id = id }, tx, cancellationToken: ct));
        await InsertTagsAsync(connection, tx, id, tags, ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Deletes a model with everything it has; returns the artifact blobs no version refers to now.</summary>
    public async Task<IReadOnlyList<string>> DeleteModelAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var blobs = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT artifact_sha256 FROM model_versions WHERE model = @Id", new { Id = id }, tx,
            cancellationToken: ct))).AsList();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM model_aliases WHERE model = @Id;
            DELETE FROM model_version_parents WHERE model = @Id;
            DELETE FROM promotion_gates WHERE model = @Id;
            DELETE FROM model_versions WHERE model = @Id;
            DELETE FROM model_tags WHERE model = @Id;
            DELETE FROM models WHERE id = @Id;
            """, new { Id = id }, tx, cancellationToken: ct));
        var orphans = await UnreferencedAsync(connection, tx, blobs, ct);
        await tx.CommitAsync(ct);
        ModelMapper.Versions.EvictModel(id);
        return orphans;
    }

    private static Task InsertTagsAsync(
        DbConnection connection, DbTransaction tx, string id, IReadOnlyDictionary<string, string> tags,
        CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO model_tags (model, tag, value) VALUES (@Model, @Tag, @Value)",
            tags.Select(t => new { Model = id, Tag = t.Key, t.Value }), tx, cancellationToken: ct));

    /// <summary>Of <paramref name="blobs"/>, those no model version refers to.</summary>
    public async Task<IReadOnlyList<string>> UnreferencedAsync(IReadOnlyCollection<string> blobs, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await UnreferencedAsync(connection, null, blobs, ct);
    }

    private static Task<IReadOnlyList<string>> UnreferencedAsync(
        DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> blobs, CancellationToken ct) =>
        BlobReferences.UnreferencedAsync(
            connection, tx, "SELECT COUNT(*) FROM model_versions WHERE artifact_sha256 = @Sha", blobs, ct);
}
