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
    public const string Latest = ResourceNames.Latest;

    public static string Model(string id) => $"models/{id}";

    public static string Version(string id, long number) =>
        $"models/{id}/versions/{number.ToString(CultureInfo.InvariantCulture)}";

    public static string Alias(string id, string alias) => $"models/{id}/aliases/{alias}";

    public static string PromotionGate(string id) => $"models/{id}/promotionGate";

    /// <summary>The model id in <c>models/{model}</c>, or InvalidArgument naming <paramref name="field"/>.</summary>
    public static string ParseModel(string name, string field) =>
        ResourceNames.ParseId(name, "models", "model", field);

    public static ModelVersionRef ParseVersion(string name, string field, bool allowLatest = true)
    {
        var (id, number) = ResourceNames.ParseVersion(name, "models", "model", field, allowLatest);
        return new ModelVersionRef(id, number);
    }

    /// <summary>The model id in <c>models/{model}/promotionGate</c>, or InvalidArgument naming the field.</summary>
    public static string ParsePromotionGate(string name, string field)
    {
        var parts = name.Split('/');
        if (parts.Length != 3 || parts[0] != "models" || parts[2] != "promotionGate")
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"'{ResourceIds.Printable(name)}' is not of the form models/{{model}}/promotionGate.");
        }

        return ResourceIds.Require(parts[1], field);
    }

    public static ModelAliasRef ParseAlias(string name, string field)
    {
        var (id, alias) = ResourceNames.ParseChild(name, "models", "model", "aliases", "alias", field);
        return new ModelAliasRef(id, RequireAliasId(alias, field));
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
}
