using System.Globalization;
using System.Text.Json;
using Continuum.Registry.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Continuum.Registry.Storage;

/// <summary>Rows to the messages clients see.</summary>
public static class ModelMapper
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>
    /// Parsed versions for every reader in the process. Its entries are checked against the JSON of the row, so
    /// one cache serves any number of databases; a few thousand small messages is a few MiB.
    /// </summary>
    public static ModelVersionCache Versions { get; } = new(capacity: 4096);

    public static RegisteredModel ToProto(ModelRow row, IEnumerable<AliasRow> aliases) => new()
    {
        Name = ModelNames.Model(row.Id),
        Description = row.Description,
        Tags = { JsonSerializer.Deserialize<Dictionary<string, string>>(row.TagsJson)! },
        CreateTime = ToTimestamp(row.CreateTime),
        UpdateTime = ToTimestamp(row.UpdateTime),
        LatestVersion = row.LatestVersion > 0 ? ModelNames.Version(row.Id, row.LatestVersion) : "",
        VersionCount = (int)row.VersionCount,
        Aliases = { aliases.Select(ToProto) },
    };

    /// <param name="aliases">Ids of the aliases that point to this version.</param>
    public static ModelVersion ToProto(ModelVersionRow row, IEnumerable<string> aliases)
    {
        var version = Versions.Get(row, Parser.Parse<ModelVersion>);
        version.Aliases.Add(aliases);
        return version;
    }

    public static ModelAlias ToProto(AliasRow row) => new()
    {
        Name = ModelNames.Alias(row.Model, row.Alias),
        ModelVersion = ModelNames.Version(row.Model, row.Version),
        UpdateTime = ToTimestamp(row.UpdateTime),
        UpdatedBy = row.UpdatedBy,
        Reason = row.Reason,
        Gated = row.Gated != 0,
    };

    public static string Now() => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    public static Timestamp ToTimestamp(string time) =>
        Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(time, CultureInfo.InvariantCulture));
}
