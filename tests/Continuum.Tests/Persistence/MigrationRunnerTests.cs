using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Persistence;
using Continuum.Tests.Infrastructure;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;

namespace Continuum.Tests.Persistence;

public sealed class MigrationRunnerTests
{
    private static readonly MigrationRunner Runner = new(NullLogger<MigrationRunner>.Instance);

    [Fact]
    public void Load_DialectSpecificFile_ReplacesThePlainOne()
    {
        var sqlite = MigrationCatalog.Load(typeof(MigrationRunnerTests).Assembly, DatabaseProvider.Sqlite);
        var postgres = MigrationCatalog.Load(typeof(MigrationRunnerTests).Assembly, DatabaseProvider.Postgres);

        Assert.Equal([1, 2], sqlite.Select(m => m.Version));
        Assert.Equal(["widgets", "widget_flags"], sqlite.Select(m => m.Name));
        Assert.Contains("INTEGER NOT NULL DEFAULT 0", sqlite[1].Sql);
        Assert.Contains("SMALLINT NOT NULL DEFAULT 0", postgres[1].Sql);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ApplyAsync_FreshDatabase_AppliesEveryMigrationInOrder(Backend backend)
    {
        await using var databases = await TestDatabase.CreateAsync(backend);
        var db = databases.For("widgets");

        var applied = await Runner.ApplyAsync(db, Load(db), default).WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(2, applied);
        await using var connection = await db.OpenAsync(default);
        Assert.Equal([1, 2],
            await connection.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version"));
        await connection.ExecuteAsync("INSERT INTO widgets (id, size, flags) VALUES (@Id, @Size, @Flags)",
            new { Id = "w1", Size = 3, Flags = 1 });
        Assert.Equal(3, await connection.ExecuteScalarAsync<int>("SELECT size FROM widgets WHERE id = 'w1'"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ApplyAsync_SecondRun_AppliesNothing(Backend backend)
    {
        await using var databases = await TestDatabase.CreateAsync(backend);
        var db = databases.For("widgets");
        await Runner.ApplyAsync(db, Load(db), default).WaitAsync(TestEnvironment.Timeout);

        var applied = await Runner.ApplyAsync(db, Load(db), default).WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(0, applied);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ApplyAsync_ProcessesStartingTogether_ApplyEachMigrationOnce(Backend backend)
    {
        await using var databases = await TestDatabase.CreateAsync(backend);

        var counts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var db = databases.For("widgets");
            return await Runner.ApplyAsync(db, Load(db), default);
        }))).WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(2, counts.Sum());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ApplyAsync_BrokenMigration_LeavesSchemaAsBefore(Backend backend)
    {
        await using var databases = await TestDatabase.CreateAsync(backend);
        var db = databases.For("widgets");
        var migrations = Load(db)
            .Append(new Migration(3, "broken", "ALTER TABLE no_such_table ADD COLUMN x INTEGER")).ToList();

        await Assert.ThrowsAnyAsync<Exception>(
            () => Runner.ApplyAsync(db, migrations, default).WaitAsync(TestEnvironment.Timeout));

        // Nothing of the failed run stuck: running the good migrations again applies both of them.
        Assert.Equal(2, await Runner.ApplyAsync(db, Load(db), default).WaitAsync(TestEnvironment.Timeout));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ApplyAsync_TwoServices_EachOwnsItsTables(Backend backend)
    {
        await using var databases = await TestDatabase.CreateAsync(backend);
        var alpha = databases.For("alpha");
        var beta = databases.For("beta");
        await Runner.ApplyAsync(alpha, Load(alpha), default).WaitAsync(TestEnvironment.Timeout);
        await Runner.ApplyAsync(beta, Load(beta), default).WaitAsync(TestEnvironment.Timeout);

        await using (var a = await alpha.OpenAsync(default))
        {
            await a.ExecuteAsync("INSERT INTO widgets (id, size) VALUES ('only-in-alpha', 1)");
        }

        await using var b = await beta.OpenAsync(default);
        Assert.Equal(0, await b.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM widgets"));
    }

    private static IReadOnlyList<Migration> Load(ServiceDatabase db) =>
        MigrationCatalog.Load(typeof(MigrationRunnerTests).Assembly, db.Provider);
}
