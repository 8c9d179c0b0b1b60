using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Continuum.ServiceDefaults.Persistence;

/// <summary>
/// The SQL store one service owns. On SQLite that is a file of its own; on PostgreSQL a schema of
/// its own, set as the search path, so the same unqualified SQL runs on both.
/// Services resolve theirs as a keyed service: <c>[FromKeyedServices("data")] ServiceDatabase db</c>.
/// </summary>
public sealed class ServiceDatabase
{
    /// <summary>
    /// Native handles of the pooled SQLite connections that have had <see cref="SqlitePragmas"/> run: the pool
    /// hands the same handle back on every open, and pragmas outlive the open. Weak, so a handle the pool closes
    /// drops out.
    /// </summary>
    private static readonly ConditionalWeakTable<object, object> ConfiguredSqlite = new();

    private static readonly object Configured = new();

    // WAL lets readers run beside the one writer, and is stored in the file; synchronous belongs to the
    // connection, and NORMAL is safe in WAL mode (a power cut may lose the last commits, never corrupt).
    private const string SqlitePragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";

    private readonly string connectionString;

    private ServiceDatabase(string service, DatabaseProvider provider, string connectionString)
    {
        Service = service;
        Provider = provider;
        this.connectionString = connectionString;
    }

    /// <summary>Short name of the owning service, e.g. <c>data</c>; also the PostgreSQL schema.</summary>
    public string Service { get; }

    public DatabaseProvider Provider { get; }

    public static ServiceDatabase Create(string service, ContinuumOptions options)
    {
        ServiceNames.Validate(service);
        if (options.Database.Provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(options.Database.ConnectionString))
            {
                throw new InvalidOperationException(
                    "Continuum:Database:ConnectionString is required when Continuum:Database:Provider is Postgres.");
            }

            var builder = new NpgsqlConnectionStringBuilder(options.Database.ConnectionString)
            {
                SearchPath = service,
            };
            return new ServiceDatabase(service, DatabaseProvider.Postgres, builder.ConnectionString);
        }

        var dir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(dir);
        var sqlite = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(dir, service + ".db"),
            Pooling = true,
            // Also the busy timeout: a writer waits this long for another writer's lock.
            DefaultTimeout = 30,
            ForeignKeys = true,
        };
        return new ServiceDatabase(service, DatabaseProvider.Sqlite, sqlite.ConnectionString);
    }

    /// <summary>Opens a connection with the per-connection settings this store needs.</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        DbConnection connection = Provider == DatabaseProvider.Postgres
            ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (connection is SqliteConnection { Handle: { } handle } && !ConfiguredSqlite.TryGetValue(handle, out _))
            {
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = SqlitePragmas;
                await pragma.ExecuteNonQueryAsync(cancellationToken);
                ConfiguredSqlite.AddOrUpdate(handle, Configured);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
