using Microsoft.Data.Sqlite;
using Npgsql;

namespace Continuum.ServiceDefaults.Persistence;

public static class SqlErrors
{
    /// <summary>A unique or primary key constraint refused the row, on either database.</summary>
    public static bool IsUniqueViolation(Exception e) => e switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        // 19 is SQLITE_CONSTRAINT; the extended codes tell unique (2067) and primary key (1555) apart from the rest.
        SqliteException lite => lite.SqliteErrorCode == 19 && lite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
