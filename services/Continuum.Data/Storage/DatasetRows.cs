namespace Continuum.Data.Storage;

/// <summary>A row of <c>datasets</c>, with the version list summarised; JSON columns hold the shape and class names.</summary>
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

/// <summary>A row of <c>dataset_versions</c>; <see cref="VersionJson"/> is the DatasetVersion message as proto JSON.</summary>
public sealed class VersionRow
{
    public string Dataset { get; init; } = "";
    public long Version { get; init; }
    public string ContentSha256 { get; init; } = "";
    public string ContentBlob { get; init; } = "";
    public string VersionJson { get; init; } = "";
    public string CreateTime { get; init; } = "";
}
