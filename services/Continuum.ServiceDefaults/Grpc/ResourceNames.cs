using System.Globalization;

namespace Continuum.ServiceDefaults.Grpc;

/// <summary>
/// Parsing of AIP resource names, the same for every service: <c>{collection}/{id}</c> and
/// <c>{collection}/{id}/{child}/{segment}</c>. Each part is checked; anything else is InvalidArgument on the field.
/// </summary>
public static class ResourceNames
{
    public const string Latest = "latest";

    /// <summary>
    /// The id in <c>{collection}/{id}</c>; <paramref name="idName"/> names it in errors (dataset, model).
    /// </summary>
    public static string ParseId(string name, string collection, string idName, string field)
    {
        var parts = Split(name, collection, child: null, field, $"{collection}/{{{idName}}}");
        return ResourceIds.Require(parts[1], field);
    }

    /// <summary>The parent id and the last segment of <c>{collection}/{id}/{child}/{segment}</c>, unchecked.</summary>
    public static (string Id, string Segment) ParseChild(
        string name, string collection, string idName, string child, string childName, string field)
    {
        var parts = Split(name, collection, child, field, $"{collection}/{{{idName}}}/{child}/{{{childName}}}");
        return (ResourceIds.Require(parts[1], field), parts[3]);
    }

    /// <summary>
    /// The parent id and version number of <c>{collection}/{id}/versions/{number}</c>; with
    /// <paramref name="allowLatest"/>, <c>latest</c> gives a null number.
    /// </summary>
    public static (string Id, long? Number) ParseVersion(
        string name, string collection, string idName, string field, bool allowLatest)
    {
        var (id, segment) = ParseChild(
            name, collection, idName, "versions", allowLatest ? "number or latest" : "number", field);
        if (allowLatest && segment == Latest)
        {
            return (id, null);
        }

        if (!long.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            RpcErrors.ThrowInvalidArgument(field, $"version '{ResourceIds.Printable(segment)}' is not a positive "
                + (allowLatest ? "number or 'latest'." : "number."));
        }

        return (id, number);
    }

    private static string[] Split(string name, string collection, string? child, string field, string form)
    {
        var parts = name.Split('/');
        if (parts.Length != (child is null ? 2 : 4) || parts[0] != collection
            || (child is not null && parts[2] != child))
        {
            RpcErrors.ThrowInvalidArgument(field, $"'{ResourceIds.Printable(name)}' is not of the form {form}.");
        }

        return parts;
    }
}
