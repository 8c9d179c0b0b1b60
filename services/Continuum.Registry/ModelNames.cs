using System.Globalization;
using Continuum.ServiceDefaults.Grpc;

namespace Continuum.Registry;

/// <summary>A version reference as clients write it: a number, or <c>latest</c> (Number null).</summary>
public readonly record struct ModelVersionRef(string Model, long? Number);

/// <summary>An alias as clients write it: <c>models/{model}/aliases/{alias}</c>.</summary>
public readonly record struct ModelAliasRef(string Model, string Alias);

/// <summary>
/// Resource names of the registry: <c>models/{model}</c>, <c>models/{model}/versions/{version}</c> and
/// <c>models/{model}/aliases/{alias}</c>. Every id is checked by the one naming rule before it reaches SQL.
/// </summary>
public static class ModelNames
{
    public const string Latest = "latest";

    public static string Model(string id) => $"models/{id}";

    public static string Version(string id, long number) =>
        $"models/{id}/versions/{number.ToString(CultureInfo.InvariantCulture)}";

    public static string Alias(string id, string alias) => $"models/{id}/aliases/{alias}";

    /// <summary>The model id in <c>models/{model}</c>, or InvalidArgument naming <paramref name="field"/>.</summary>
    public static string ParseModel(string name, string field)
    {
        var parts = Split(name, 2, null, field, "models/{model}");
        return ResourceIds.Require(parts[1], field);
    }

    /// <summary>The version in <c>models/{model}/versions/{number|latest}</c>.</summary>
    public static ModelVersionRef ParseVersion(string name, string field, bool allowLatest = true)
    {
        var parts = Split(name, 4, "versions", field, "models/{model}/versions/{version}");
        var id = ResourceIds.Require(parts[1], field);
        if (allowLatest && parts[3] == Latest)
        {
            return new ModelVersionRef(id, null);
        }

        if (!long.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < 1)
        {
            RpcErrors.ThrowInvalidArgument(field, $"version '{ResourceIds.Printable(parts[3])}' is not a positive "
                + (allowLatest ? "number or 'latest'." : "number."));
        }

        return new ModelVersionRef(id, number);
    }

    /// <summary>The alias in <c>models/{model}/aliases/{alias}</c>.</summary>
    public static ModelAliasRef ParseAlias(string name, string field)
    {
        var parts = Split(name, 4, "aliases", field, "models/{model}/aliases/{alias}");
        return new ModelAliasRef(ResourceIds.Require(parts[1], field), RequireAliasId(parts[3], field));
    }

    /// <summary>
    /// The naming rule, plus: an alias starts with a letter and is never <c>latest</c>, so that it can not be
    /// read as a version.
    /// </summary>
    public static string RequireAliasId(string alias, string field)
    {
        ResourceIds.Require(alias, field);
        if (alias[0] is not (>= 'a' and <= 'z') || alias == Latest)
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"alias '{alias}' must start with a letter and must not be '{Latest}'.");
        }

        return alias;
    }

    private static string[] Split(string name, int count, string? collection, string field, string form)
    {
        var parts = name.Split('/');
        if (parts.Length != count || parts[0] != "models" || (collection is not null && parts[2] != collection))
        {
            RpcErrors.ThrowInvalidArgument(field, $"'{ResourceIds.Printable(name)}' is not of the form {form}.");
        }

        return parts;
    }
}
