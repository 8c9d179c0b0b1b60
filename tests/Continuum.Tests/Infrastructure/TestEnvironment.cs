using Npgsql;

namespace Continuum.Tests.Infrastructure;

/// <summary>
/// Where the real servers are. test.sh starts them and exports these variables; the defaults match it,
/// so a plain `dotnet test` works once test.sh has run on the machine. Tests never skip when a server is
/// missing: they fail, because a green run without the servers would prove nothing.
/// </summary>
public static class TestEnvironment
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static string PostgresConnectionString =>
        Environment.GetEnvironmentVariable("CONTINUUM_TEST_POSTGRES") is { Length: > 0 } s
            ? s
            : "Host=127.0.0.1;Port=5432;Username=continuum;Password=continuum;Database=continuum_test";

    public static string RabbitMqUri =>
        Environment.GetEnvironmentVariable("CONTINUUM_TEST_RABBITMQ") is { Length: > 0 } s
            ? s
            : "amqp://guest:guest@127.0.0.1:5672/";

    public static string NewTempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "continuum-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}

/// <summary>A PostgreSQL database of its own for one test, dropped afterwards.</summary>
public sealed class TemporaryPostgresDatabase : IAsyncDisposable
{
    private readonly string name;

    private TemporaryPostgresDatabase(string name, string connectionString)
    {
        this.name = name;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<TemporaryPostgresDatabase> CreateAsync()
    {
        var name = TestEnvironment.UniqueName("continuum_t");
        await using (var admin = new NpgsqlConnection(TestEnvironment.PostgresConnectionString))
        {
            await admin.OpenAsync().WaitAsync(TestEnvironment.Timeout);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync().WaitAsync(TestEnvironment.Timeout);
        }

        var builder = new NpgsqlConnectionStringBuilder(TestEnvironment.PostgresConnectionString) { Database = name };
        return new TemporaryPostgresDatabase(name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(TestEnvironment.PostgresConnectionString);
        await admin.OpenAsync().WaitAsync(TestEnvironment.Timeout);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await drop.ExecuteNonQueryAsync().WaitAsync(TestEnvironment.Timeout);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 40)
            {
                // FORCE may not end an autovacuum worker (a superuser's process) that happens to be in the
                // database; it finishes within moments.
                await Task.Delay(250);
            }
        }
    }
}
