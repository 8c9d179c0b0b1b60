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
}
