using System.Reflection;
using System.Text.RegularExpressions;

namespace Continuum.ServiceDefaults.Persistence;

/// <summary>One numbered schema change of one service.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>
/// Reads a service's migrations from its assembly: embedded resources named
/// <c>Migrations/NNNN_name.sql</c>. A file <c>NNNN_name.postgres.sql</c> or <c>NNNN_name.sqlite.sql</c>
/// replaces the plain one on that database, for the rare statement the two spell differently.
/// </summary>
public static partial class MigrationCatalog
{
    public static IReadOnlyList<Migration> Load(Assembly assembly, DatabaseProvider provider)
    {
        var dialect = provider == DatabaseProvider.Postgres ? "postgres" : "sqlite";
        var byVersion = new SortedDictionary<int, (Migration Migration, bool Specific)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            var fileDialect = match.Groups["dialect"].Value;
            if (fileDialect.Length > 0 && fileDialect != dialect)
            {
                continue;
            }

            var version = int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var name = match.Groups["name"].Value;
            var specific = fileDialect.Length > 0;
            if (byVersion.TryGetValue(version, out var existing))
            {
                if (existing.Migration.Name != name)
                {
                    throw new InvalidOperationException(
                        $"Migration {version} of {assembly.GetName().Name} is defined twice: "
                        + $"{existing.Migration.Name} and {name}.");
                }

                if (existing.Specific || !specific)
                {
                    continue;
                }
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            byVersion[version] = (new Migration(version, name, reader.ReadToEnd()), specific);
        }

        return byVersion.Values.Select(v => v.Migration).ToList();
    }

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[A-Za-z0-9_]+?)(\.(?<dialect>postgres|sqlite))?\.sql$")]
    private static partial Regex ResourceName();
}
