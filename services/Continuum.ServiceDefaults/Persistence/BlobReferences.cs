using System.Data.Common;
using Dapper;

namespace Continuum.ServiceDefaults.Persistence;

/// <summary>Which blobs a service's own tables still refer to, so a delete removes only what nothing needs.</summary>
public static class BlobReferences
{
    /// <summary>
    /// Of <paramref name="blobs"/>, those for which <paramref name="countSql"/> (a COUNT over the service's
    /// reference table, with the parameter <c>@Sha</c>) finds no row.
    /// </summary>
    public static async Task<IReadOnlyList<string>> UnreferencedAsync(
        DbConnection connection, DbTransaction? tx, string countSql, IEnumerable<string> blobs, CancellationToken ct)
    {
        var orphans = new List<string>();
        foreach (var blob in blobs.Distinct())
        {
            var used = await connection.ExecuteScalarAsync<long>(
                new CommandDefinition(countSql, new { Sha = blob }, tx, cancellationToken: ct));
            if (used == 0)
            {
                orphans.Add(blob);
            }
        }

        return orphans;
    }
}
