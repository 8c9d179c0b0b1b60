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
    public const string Latest = "latest";

    public static string Dataset(string id) => $"datasets/{id}";

    public static string Version(string id, long number) =>
        $"datasets/{id}/versions/{number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// The dataset id in <c>datasets/{dataset}</c>, or InvalidArgument naming <paramref name="field"/>.
    /// </summary>
    public static string ParseDataset(string name, string field)
    {
        var parts = name.Split('/');
        if (parts.Length != 2 || parts[0] != "datasets")
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"'{ResourceIds.Printable(name)}' is not of the form datasets/{{dataset}}.");
        }

        return ResourceIds.Require(parts[1], field);
    }

    /// <summary>
    /// The version in <c>datasets/{dataset}/versions/{number|latest}</c>, or InvalidArgument naming
    /// <paramref name="field"/>.
    /// </summary>
    public static VersionRef ParseVersion(string name, string field)
    {
        var parts = name.Split('/');
        if (parts.Length != 4 || parts[0] != "datasets" || parts[2] != "versions")
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"'{ResourceIds.Printable(name)}' is not of the form "
                + $"datasets/{{dataset}}/versions/{{number or latest}}.");
        }

        var id = ResourceIds.Require(parts[1], field);
        if (parts[3] == Latest)
        {
            return new VersionRef(id, null);
        }

        if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"version '{ResourceIds.Printable(parts[3])}' is not a positive number or 'latest'.");
        }

        return new VersionRef(id, number);
    }
}
