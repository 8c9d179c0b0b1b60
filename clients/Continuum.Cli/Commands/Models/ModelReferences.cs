using System.CommandLine;
using System.Globalization;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;

namespace Continuum.Cli.Commands.Models;

/// <summary>
/// A model version as people write it: <c>MODEL@3</c>, <c>MODEL@latest</c>, <c>MODEL@champion</c> (an alias), or a
/// bare <c>MODEL</c> for the latest version. Exactly one of <see cref="Version"/> and <see cref="Alias"/> is set.
/// </summary>
public sealed record ModelReference(string Model, string? Version, string? Alias)
{
    public string ModelName => $"models/{Model}";

    public string AliasName => $"models/{Model}/aliases/{Alias}";

    /// <summary>The version's resource name; only for a number or <c>latest</c>.</summary>
    public string VersionName => $"models/{Model}/versions/{Version}";
}

/// <summary>
/// Parses model references before any call, so a malformed one is a usage error (exit 2) rather than a round trip.
/// Ids follow the server's one naming rule; an alias starts with a letter, so <c>@3</c> can only be a number.
/// </summary>
public static class ModelReferences
{
    private const string Latest = ResourceNames.Latest;

    /// <summary>The reference, or null with <paramref name="problem"/> saying what is wrong.</summary>
    public static ModelReference? Parse(string text, out string problem)
    {
        problem = "";
        var (model, version) = Split(text);
        if (!ResourceIds.IsValid(model))
        {
            problem = $"'{text}': the model '{model}' is not a valid id ({ResourceIds.Rule}).";
            return null;
        }

        if (version is null || version == Latest)
        {
            return new ModelReference(model, Latest, null);
        }

        if (version.Length > 0 && char.IsAsciiDigit(version[0]))
        {
            // Numbers start at 1 and are written without leading zeros, as the server writes them.
            if (version[0] != '0'
                && long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                return new ModelReference(model, version, null);
            }

            problem = $"'{text}': the version '{version}' is not a positive number.";
            return null;
        }

        if (IsAlias(version))
        {
            return new ModelReference(model, null, version);
        }

        problem = $"'{text}' is not MODEL@VERSION: VERSION is a number, 'latest' or an alias (a letter, then "
            + "lowercase letters, digits, '-', '_' or '.').";
        return null;
    }

    public static bool IsAlias(string alias) =>
        ResourceIds.IsValid(alias) && char.IsAsciiLetterLower(alias[0]) && alias != Latest;

    public static string ModelName(string model) =>
        model.StartsWith("models/", StringComparison.Ordinal) ? model : $"models/{model}";

    /// <summary>A <c>MODEL@VERSION</c> argument, checked while parsing.</summary>
    public static Argument<string> VersionArgument(string description) =>
        Checked(new Argument<string>("MODEL@VERSION") { Description = description }, t =>
            Parse(t, out var problem) is null ? problem : null);

    /// <summary>A <c>MODEL</c> argument, checked while parsing.</summary>
    public static Argument<string> ModelArgument(string description = "The registered model.") =>
        Checked(new Argument<string>("MODEL") { Description = description }, t =>
            ResourceIds.IsValid(t.StartsWith("models/", StringComparison.Ordinal) ? t[7..] : t)
                ? null
                : $"'{t}' is not a valid model id ({ResourceIds.Rule}).");

    /// <summary>An <c>ALIAS</c> argument, checked while parsing.</summary>
    public static Argument<string> AliasArgument() =>
        Checked(new Argument<string>("ALIAS") { Description = "The alias, e.g. champion." }, t =>
            IsAlias(t) ? null : $"'{t}' is not a valid alias: it starts with a letter, is not '{Latest}', "
                + "and holds only lowercase letters, digits, '-', '_' and '.'.");

    /// <summary>The version a reference names, resolving an alias; one call either way.</summary>
    public static async Task<ModelVersion> GetVersionAsync(
        RegistryService.RegistryServiceClient client, ModelReference reference, CancellationToken ct)
    {
        if (reference.Alias is not null)
        {
            var resolved = await client.ResolveModelAliasAsync(
                new ResolveModelAliasRequest { Name = reference.AliasName }, cancellationToken: ct);
            return resolved.ModelVersion;
        }

        var response = await client.GetModelVersionAsync(
            new GetModelVersionRequest { Name = reference.VersionName }, cancellationToken: ct);
        return response.ModelVersion;
    }

    /// <summary>
    /// A version name the server accepts: numbers and <c>latest</c> as written, an alias resolved first (the
    /// registry's version rpcs take no aliases).
    /// </summary>
    public static async Task<string> VersionNameAsync(
        RegistryService.RegistryServiceClient client, ModelReference reference, CancellationToken ct) =>
        reference.Alias is null ? reference.VersionName : (await GetVersionAsync(client, reference, ct)).Name;

    private static (string Model, string? Version) Split(string text)
    {
        // The full resource names the server prints are accepted too, so they can be pasted back.
        var parts = text.Split('/');
        if (parts is ["models", var m, "versions", var v])
        {
            return (m, v);
        }

        if (parts is ["models", var bare])
        {
            text = bare;
        }

        var at = text.IndexOf('@');
        return at < 0 ? (text, null) : (text[..at], text[(at + 1)..]);
    }

    private static Argument<string> Checked(Argument<string> argument, Func<string, string?> problem)
    {
        argument.Validators.Add(result =>
        {
            if (result.Tokens is [var token] && problem(token.Value) is { } message)
            {
                result.AddError(message);
            }
        });
        return argument;
    }
}
