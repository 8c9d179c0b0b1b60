namespace Continuum.Registry.Storage;

/// <summary>A row of <c>models</c>, with its versions summarised; tags are a JSON object.</summary>
public sealed class ModelRow
{
    public string Id { get; init; } = "";
    public string Description { get; init; } = "";
    public string TagsJson { get; init; } = "{}";
    public string CreateTime { get; init; } = "";
    public string UpdateTime { get; init; } = "";
    public long LatestVersion { get; init; }
    public long VersionCount { get; init; }
}

/// <summary>A row of <c>model_versions</c>; <see cref="VersionJson"/> is the ModelVersion as proto JSON.</summary>
public sealed class ModelVersionRow
{
    public string Model { get; init; } = "";
    public long Version { get; init; }
    public string ArtifactSha256 { get; init; } = "";
    public long ArtifactSize { get; init; }
    public string VersionJson { get; init; } = "{}";
}

/// <summary>A row of <c>model_aliases</c>.</summary>
public sealed class AliasRow
{
    public string Model { get; init; } = "";
    public string Alias { get; init; } = "";
    public long Version { get; init; }
    public string UpdateTime { get; init; } = "";
    public string UpdatedBy { get; init; } = "";
    public string Reason { get; init; } = "";
    public long Gated { get; init; }
}
