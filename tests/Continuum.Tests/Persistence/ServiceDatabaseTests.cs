using Continuum.ServiceDefaults;
using Continuum.Tests.Infrastructure;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Continuum.Tests.Persistence;

public sealed class ServiceDatabaseTests
{
    [Fact]
    public async Task OpenAsync_Sqlite_EveryOpenRunsInWalWithNormalSync()
    {
        await using var databases = await TestDatabase.CreateAsync(Backend.Embedded);
        var db = databases.For("widgets");

        // Pragmas run once per pooled connection, so the later opens, which reuse it, must still see them; and
        // after the pool is cleared, a new connection must get them again.
        for (var round = 0; round < 2; round++)
        {
            for (var i = 0; i < 3; i++)
            {
                await using var connection = await db.OpenAsync(default);
                Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA synchronous"));
                Assert.Equal(1, await connection.ExecuteScalarAsync<int>("PRAGMA foreign_keys"));
            }

            SqliteConnection.ClearAllPools();
        }
    }

    [Fact]
    public async Task OpenAsync_SqliteConnectionsOpenTogether_EachHasNormalSync()
    {
        await using var databases = await TestDatabase.CreateAsync(Backend.Embedded);
        var db = databases.For("widgets");

        await using var first = await db.OpenAsync(default);
        await using var second = await db.OpenAsync(default);

        Assert.Equal(1, await first.ExecuteScalarAsync<int>("PRAGMA synchronous"));
        Assert.Equal(1, await second.ExecuteScalarAsync<int>("PRAGMA synchronous"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ReadAsync_AfterCommitsAndFromManyCallers_SeesTheCommittedRows(Backend backend)
    {
        await using var databases = await TestDatabase.CreateAsync(backend);
        using var db = databases.For("widgets");
        await using (var setup = await db.OpenAsync(default))
        {
            if (db.Provider == DatabaseProvider.Postgres)
            {
                await setup.ExecuteAsync("CREATE SCHEMA widgets");
            }

            await setup.ExecuteAsync("CREATE TABLE items (id TEXT PRIMARY KEY, size BIGINT NOT NULL)");
            await setup.ExecuteAsync("INSERT INTO items VALUES ('a', 5), ('b', 6)");
        }

        Task<long?> SizeAsync(string id) => db.ReadAsync<long?>(
            "SELECT size FROM items WHERE id = @Id", [new("@Id", id)], rows => rows.Read() ? rows.GetInt64(0) : null,
            default);

        var before = await SizeAsync("a");
        await using (var write = await db.OpenAsync(default))
        {
            await write.ExecuteAsync("UPDATE items SET size = 7 WHERE id = 'a'");
        }

        // The statements stay prepared on connections kept open; none of them may keep reading an old snapshot.
        var after = await SizeAsync("a");
        var many = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => SizeAsync(i % 2 == 0 ? "a" : "b")));
        var missing = await SizeAsync("zz");
        db.Dispose();

        Assert.Equal((5L, 7L), (before, after));
        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long?)(i % 2 == 0 ? 7 : 6)), many);
        Assert.Null(missing);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => SizeAsync("a"));
    }
}
