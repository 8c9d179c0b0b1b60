using System.Globalization;
using Continuum.Data.V1;
using Grpc.Core;

namespace Continuum.Cli.Commands.Datasets;

/// <summary>
/// <c>NAME@VERSION</c> as people write it: a number, <c>latest</c>, or a prefix of the content hash; a bare
/// <c>NAME</c> means the latest version. Digits alone read as a version number unless they start with 0,
/// which no number does: <c>fashion@0117</c> is a hash prefix, <c>fashion@117</c> version 117.
/// </summary>
public static class DatasetReferences
{
    public static string DatasetName(string name) =>
        name.StartsWith("datasets/", StringComparison.Ordinal) ? name : $"datasets/{name}";

    public static async Task<string> ResolveVersionAsync(
        DataService.DataServiceClient client, string reference, CancellationToken ct)
    {
        var at = reference.LastIndexOf('@');
        var dataset = DatasetName(at < 0 ? reference : reference[..at]);
        var version = at < 0 || at == reference.Length - 1 ? "latest" : reference[(at + 1)..];
        if (version == "latest"
            || (version[0] != '0' && long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return $"{dataset}/versions/{version}";
        }

        if (!version.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')) || version.Length > 64)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"'{version}' is no version of {dataset}: give a number, 'latest' or a prefix of the content hash "
                + "(lowercase hexadecimal)"));
        }

        // Anything else is a content hash prefix.
        var matches = await client.ListDatasetVersionsAsync(
            new ListDatasetVersionsRequest { Parent = dataset, ContentSha256Prefix = version, PageSize = 2 },
            cancellationToken: ct);
        return matches.DatasetVersions.Count switch
        {
            1 => matches.DatasetVersions[0].Name,
            0 => throw new RpcException(new Status(StatusCode.NotFound,
                $"no version of {dataset} has a content hash starting with '{version}'")),
            _ => throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"'{version}' matches several versions of {dataset}; give more digits")),
        };
    }

    /// <summary><c>28x28</c> or <c>784</c>: positive dimensions separated by x.</summary>
    public static int[]? ParseShape(string text)
    {
        var parts = text.Split('x');
        var dims = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out dims[i]) || dims[i] <= 0)
            {
                return null;
            }
        }

        return dims;
    }

    /// <summary><c>0,1,2</c>: a comma-separated list of class labels.</summary>
    public static int[]? ParseLabels(string text)
    {
        var labels = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var label))
            {
                return null;
            }

            labels.Add(label);
        }

        return labels.ToArray();
    }
}
