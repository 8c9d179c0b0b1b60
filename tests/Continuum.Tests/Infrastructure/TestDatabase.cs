using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Persistence;

namespace Continuum.Tests.Infrastructure;

/// <summary>A service database on either backend, in a fresh folder or a fresh PostgreSQL database.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly TemporaryPostgresDatabase? postgres;
    private readonly ContinuumOptions options;

    private TestDatabase(ContinuumOptions options, TemporaryPostgresDatabase? postgres)
    {
        this.options = options;
        this.postgres = postgres;
    }

    public static async Task<TestDatabase> CreateAsync(Backend backend)
    {
        var options = new ContinuumOptions { DataDir = TestEnvironment.NewTempDir() };
        if (backend == Backend.Embedded)
        {
            return new TestDatabase(options, null);
        }

        var postgres = await TemporaryPostgresDatabase.CreateAsync();
        options.Database.Provider = DatabaseProvider.Postgres;
        options.Database.ConnectionString = postgres.ConnectionString;
        return new TestDatabase(options, postgres);
    }

    public ServiceDatabase For(string service) => ServiceDatabase.Create(service, options);

    public async ValueTask DisposeAsync()
    {
        if (postgres is not null)
        {
            await postgres.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(options.DataDir, recursive: true);
    }
}
