using System.Collections.Concurrent;
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
public sealed class ServiceDatabase : IDisposable
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
    // foreign_keys also belongs to the connection; set here rather than in the connection string, which would run
    // it again on every open.
    private const string SqlitePragmas = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;";

    private readonly string connectionString;

    // Connections kept open for ReadAsync on SQLite, each with the statements it has prepared. The gate bounds how
    // many there are: a read takes microseconds, so callers beyond it wait briefly rather than open more.
    private const int MaxPreparedConnections = 16;
    private readonly ConcurrentBag<PreparedConnection> idleReaders = [];
    private readonly SemaphoreSlim readerGate = new(MaxPreparedConnections);
    private volatile bool disposed;

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
    /// <summary>
    /// Runs a short read that a hot path repeats, such as a lookup by key, and hands its rows to
    /// <paramref name="read"/>. On SQLite it runs on one of a few connections kept open for such reads, where the
    /// statement is prepared once: taking a pooled connection and preparing the SQL cost more than the lookup
    /// itself. On PostgreSQL it is an ordinary query on a pooled connection. Parameters are named as in the SQL
    /// (<c>@Model</c>).
    /// </summary>
    public async Task<T> ReadAsync<T>(string sql, IReadOnlyList<KeyValuePair<string, object?>> parameters,
        Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (Provider == DatabaseProvider.Postgres)
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value ?? DBNull.Value;
                command.Parameters.Add(parameter);
            }

            await using var rows = await command.ExecuteReaderAsync(cancellationToken);
            return read(rows);
        }

        await readerGate.WaitAsync(cancellationToken);
        PreparedConnection? reader = null;
        try
        {
            reader = idleReaders.TryTake(out var idle)
                ? idle
                : new PreparedConnection((SqliteConnection)await OpenAsync(cancellationToken));
            var result = reader.Read(sql, parameters, read);
            if (!disposed)
            {
                idleReaders.Add(reader);
                reader = null;
            }

            return result;
        }
        finally
        {
            // A read that failed may have left its connection in a state nobody should inherit.
            reader?.Dispose();
            readerGate.Release();
        }
    }

    public void Dispose()
    {
        disposed = true;
        while (idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    /// <summary>An open SQLite connection and the statements prepared on it, by SQL text.</summary>
    private sealed class PreparedConnection(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> commands = new(StringComparer.Ordinal);

        public T Read<T>(string sql, IReadOnlyList<KeyValuePair<string, object?>> parameters,
            Func<DbDataReader, T> read)
        {
            if (!commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                foreach (var (name, _) in parameters)
                {
                    command.Parameters.Add(new SqliteParameter { ParameterName = name });
                }

                command.Prepare();
                commands.Add(sql, command);
            }

            foreach (var (name, value) in parameters)
            {
                command.Parameters[name].Value = value ?? DBNull.Value;
            }

            // Disposing the reader resets the statement, which ends its read transaction, so an idle connection
            // holds back no checkpoint.
            using var rows = command.ExecuteReader();
            return read(rows);
        }

        public void Dispose()
        {
            foreach (var command in commands.Values)
            {
                command.Dispose();
            }

            connection.Dispose();
        }
    }
}
