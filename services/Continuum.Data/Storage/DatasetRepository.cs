using System.Data.Common;
using Continuum.ServiceDefaults.Persistence;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Data.Storage;

/// <summary>The data service's SQL: datasets, versions and the blobs each version refers to.</summary>
public sealed class DatasetRepository([FromKeyedServices(DataServiceExtensions.ServiceName)] ServiceDatabase database)
{
    private const string DatasetColumns =
        """
        d.id AS Id, d.description AS Description, d.input_shape AS InputShape, d.class_count AS ClassCount,
        d.class_names AS ClassNames, d.create_time AS CreateTime, d.update_time AS UpdateTime,
        (SELECT COALESCE(MAX(v.version), 0) FROM dataset_versions v WHERE v.dataset = d.id) AS LatestVersion,
        (SELECT COUNT(*) FROM dataset_versions v WHERE v.dataset = d.id) AS VersionCount
        """;

    private const string VersionColumns =
        """
        dataset AS Dataset, version AS Version, content_sha256 AS ContentSha256, content_blob AS ContentBlob,
        decode_json AS DecodeJson, version_json AS VersionJson, create_time AS CreateTime
        """;

    public async Task<bool> InsertDatasetAsync(DatasetRow row, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO datasets (id, description, input_shape, class_count, class_names, create_time, update_time)
                VALUES (@Id, @Description, @InputShape, @ClassCount, @ClassNames, @CreateTime, @UpdateTime)
                """, row, cancellationToken: ct));
            return true;
        }
        catch (DbException e) when (SqlErrors.IsUniqueViolation(e))
        {
            return false;
        }
    }

    public async Task<DatasetRow?> GetDatasetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<DatasetRow>(new CommandDefinition(
            $"SELECT {DatasetColumns} FROM datasets d WHERE d.id = @Id", new { Id = id }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<DatasetRow>> ListDatasetsAsync(string? after, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<DatasetRow>(new CommandDefinition(
            $"""
            SELECT {DatasetColumns} FROM datasets d
            WHERE @After IS NULL OR d.id > @After
            ORDER BY d.id
            LIMIT @Limit
            """, new { After = after, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }

    public async Task<bool> UpdateDatasetAsync(
        string id, string description, string classNames, string updateTime, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE datasets SET description = @Description, class_names = @ClassNames, update_time = @UpdateTime
            WHERE id = @Id
            """, new { Id = id, Description = description, ClassNames = classNames, UpdateTime = updateTime },
            cancellationToken: ct));
        return changed == 1;
    }

    /// <summary>Deletes a dataset with its versions; returns the blobs no version refers to any more.</summary>
    public async Task<IReadOnlyList<string>> DeleteDatasetAsync(string id, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var blobs = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT DISTINCT sha256 FROM dataset_blobs WHERE dataset = @Id", new { Id = id }, tx,
            cancellationToken: ct))).AsList();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM dataset_blobs WHERE dataset = @Id;
            DELETE FROM dataset_versions WHERE dataset = @Id;
            DELETE FROM datasets WHERE id = @Id;
            """, new { Id = id }, tx, cancellationToken: ct));
        var orphans = await UnreferencedAsync(connection, tx, blobs, ct);
        await tx.CommitAsync(ct);
        return orphans;
    }

    public async Task<VersionRow?> GetVersionAsync(string dataset, long? number, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var sql = number is null
            ? $"SELECT {VersionColumns} FROM dataset_versions WHERE dataset = @Dataset ORDER BY version DESC LIMIT 1"
            : $"SELECT {VersionColumns} FROM dataset_versions WHERE dataset = @Dataset AND version = @Number";
        return await connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            sql, new { Dataset = dataset, Number = number }, cancellationToken: ct));
    }

    public async Task<VersionRow?> FindByContentAsync(string dataset, string contentSha256, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            $"SELECT {VersionColumns} FROM dataset_versions WHERE dataset = @Dataset AND content_sha256 = @Sha",
            new { Dataset = dataset, Sha = contentSha256 }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<VersionRow>> ListVersionsAsync(
        string dataset, long after, int limit, string shaPrefix, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        var rows = await connection.QueryAsync<VersionRow>(new CommandDefinition(
            $"""
            SELECT {VersionColumns} FROM dataset_versions
            WHERE dataset = @Dataset AND version > @After AND content_sha256 LIKE @Prefix
            ORDER BY version
            LIMIT @Limit
            """, new { Dataset = dataset, After = after, Limit = limit, Prefix = shaPrefix + "%" },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Inserts the next version of a dataset with the blobs it refers to, in one transaction. Returns the new
    /// row, or the existing one when a version with the same content got there first. The number is the highest
    /// so far plus one; two writers racing for it collide on the primary key, and the loser tries again.
    /// </summary>
    /// <param name="datasetCreateTime">
    /// When the dataset the content was validated against was created: a dataset deleted and created again
    /// under the same name meanwhile may have another schema, so then nothing is inserted and null returned.
    /// </param>
    public async Task<(VersionRow Row, bool Created)?> InsertVersionAsync(
        string dataset, string datasetCreateTime, string contentSha256, string? contentBlob, string? decodeJson,
        Func<long, string> versionJson, IReadOnlyCollection<string> blobs, string createTime, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await FindByContentAsync(dataset, contentSha256, ct) is { } existing)
            {
                return (existing, false);
            }

            await using var connection = await database.OpenAsync(ct);
            await using var tx = await connection.BeginTransactionAsync(ct);
            try
            {
                var current = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                    "SELECT create_time FROM datasets WHERE id = @Dataset", new { Dataset = dataset }, tx,
                    cancellationToken: ct));
                if (current != datasetCreateTime)
                {
                    return null;
                }

                var number = 1 + await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT COALESCE(MAX(version), 0) FROM dataset_versions WHERE dataset = @Dataset",
                    new { Dataset = dataset }, tx, cancellationToken: ct));
                var row = new VersionRow
                {
                    Dataset = dataset, Version = number, ContentSha256 = contentSha256, ContentBlob = contentBlob,
                    DecodeJson = decodeJson, VersionJson = versionJson(number), CreateTime = createTime,
                };
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO dataset_versions
                        (dataset, version, content_sha256, content_blob, decode_json, version_json, create_time)
                    VALUES (@Dataset, @Version, @ContentSha256, @ContentBlob, @DecodeJson, @VersionJson, @CreateTime)
                    """, row, tx, cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO dataset_blobs (dataset, version, sha256) VALUES (@Dataset, @Version, @Sha256)",
                    blobs.Distinct().Select(b => new { Dataset = dataset, Version = number, Sha256 = b }), tx,
                    cancellationToken: ct));
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE datasets SET update_time = @Time WHERE id = @Dataset",
                    new { Dataset = dataset, Time = createTime }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                return (row, true);
            }
            catch (DbException e) when (SqlErrors.IsUniqueViolation(e) && attempt < 20)
            {
                await tx.RollbackAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>Of <paramref name="blobs"/>, those no version of any dataset refers to.</summary>
    public async Task<IReadOnlyList<string>> UnreferencedAsync(IReadOnlyCollection<string> blobs, CancellationToken ct)
    {
        await using var connection = await database.OpenAsync(ct);
        return await UnreferencedAsync(connection, null, blobs, ct);
    }

    private static Task<IReadOnlyList<string>> UnreferencedAsync(
        DbConnection connection, DbTransaction? tx, IReadOnlyCollection<string> blobs, CancellationToken ct) =>
        BlobReferences.UnreferencedAsync(
            connection, tx, "SELECT COUNT(*) FROM dataset_blobs WHERE sha256 = @Sha", blobs, ct);
}
