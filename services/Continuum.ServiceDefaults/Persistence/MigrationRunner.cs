using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging;

namespace Continuum.ServiceDefaults.Persistence;

/// <summary>
/// Brings a service's schema up to date. Several processes may start at once against one
/// PostgreSQL database, so the whole run holds a lock: an advisory lock there, the write lock on SQLite.
/// Every pending migration and its bookkeeping row commit together, or not at all.
/// </summary>
public sealed partial class MigrationRunner(ILogger<MigrationRunner> logger)
{
    public async Task<int> ApplyAsync(
        ServiceDatabase database, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            // Schema creation races between services starting together; IF NOT EXISTS alone is not atomic.
            await using var schemaTx = await connection.BeginTransactionAsync(cancellationToken);
            await LockAsync(connection, schemaTx, "schema", cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                $"CREATE SCHEMA IF NOT EXISTS \"{database.Service}\"", transaction: schemaTx,
                cancellationToken: cancellationToken));
            await schemaTx.CommitAsync(cancellationToken);
        }

        await using var tx = await connection.BeginTransactionAsync(cancellationToken);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            await LockAsync(connection, tx, database.Service, cancellationToken);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                applied_at TEXT NOT NULL
            )
            """, transaction: tx, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<int>(new CommandDefinition(
            "SELECT version FROM schema_migrations", transaction: tx, cancellationToken: cancellationToken)))
            .ToHashSet();

        var count = 0;
        foreach (var migration in migrations.Where(m => !applied.Contains(m.Version)))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                migration.Sql, transaction: tx, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO schema_migrations (version, name, applied_at)
                VALUES (@Version, @Name, @AppliedAt)
                """,
                new { migration.Version, migration.Name, AppliedAt = DateTimeOffset.UtcNow.ToString("O") },
                tx, cancellationToken: cancellationToken));
            LogApplied(database.Service, migration.Version, migration.Name);
            count++;
        }

        await tx.CommitAsync(cancellationToken);
        return count;
    }

    private static Task LockAsync(
        DbConnection connection, DbTransaction tx, string scope, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext(@Key))",
            new { Key = "continuum.migrations." + scope }, tx, cancellationToken: cancellationToken));

    [LoggerMessage(EventId = 100, Level = LogLevel.Information,
        Message = "Applied migration {Version} ({Name}) of service {Service}")]
    private partial void LogApplied(string service, int version, string name);
}
