using System.Globalization;
using Continuum.ServiceDefaults.Grpc;

namespace Continuum.Data;

/// <summary>A version reference as clients write it: a number, or <c>latest</c> (Number null).</summary>
public readonly record struct VersionRef(string Dataset, long? Number);

/// <summary>
/// Resource names of the data service: <c>datasets/{dataset}</c> and
/// <c>datasets/{dataset}/versions/{version}</c>.
/// </summary>
public static class DatasetNames
{
    public const string Latest = ResourceNames.Latest;

    public static string Dataset(string id) => $"datasets/{id}";

    public static string Version(string id, long number) =>
        $"datasets/{id}/versions/{number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The dataset id in <c>datasets/{dataset}</c>, or InvalidArgument naming <paramref name="field"/>.
    /// </summary>
    public static string ParseDataset(string name, string field) =>
        ResourceNames.ParseId(name, "datasets", "dataset", field);

    /// <summary>
    /// The version in <c>datasets/{dataset}/versions/{number|latest}</c>, or InvalidArgument naming
    /// <paramref name="field"/>.
    /// </summary>
    public static VersionRef ParseVersion(string name, string field)
    {
        var (id, number) = ResourceNames.ParseVersion(name, "datasets", "dataset", field, allowLatest: true);
        return new VersionRef(id, number);
    }
}
