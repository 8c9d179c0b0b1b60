namespace Continuum.Data.Storage;

/// <summary>
/// A row of <c>datasets</c>, with the version list summarised; JSON columns hold the shape and class names.
/// </summary>
public sealed class DatasetRow
{
    public string Id { get; init; } = "";
    public string Description { get; init; } = "";
    public string InputShape { get; init; } = "[]";
    public int ClassCount { get; init; }
    public string ClassNames { get; init; } = "[]";
    public string CreateTime { get; init; } = "";
    public string UpdateTime { get; init; } = "";
    public long LatestVersion { get; init; }
    public int VersionCount { get; init; }
}

/// <summary>
/// A row of <c>dataset_versions</c>; <see cref="VersionJson"/> is the DatasetVersion message as proto JSON.
/// </summary>
public sealed class VersionRow
{
    public string Dataset { get; init; } = "";
    public long Version { get; init; }
    public string ContentSha256 { get; init; } = "";
    /// <summary>The decoded content's blob; null for an upload, which is decoded again from its raw files.</summary>
    public string? ContentBlob { get; init; }

    /// <summary>
    /// How to decode an upload's raw files (a <see cref="DecodeRecipe"/> as JSON); null for a derived version.
    /// </summary>
    public string? DecodeJson { get; init; }
    public string VersionJson { get; init; } = "";
    public string CreateTime { get; init; } = "";
}
