using System.Text.RegularExpressions;

namespace Continuum.ServiceDefaults.Grpc;

/// <summary>
/// The one naming rule for every id a caller chooses (datasets, models, aliases, policies), from
/// protos/README.md: 1 to 63 characters of lowercase ASCII letters, digits, '-', '_' and '.', starting with
/// a letter or digit, without "..". Anything else is refused, never normalized, so two spellings can never
/// name one resource and no id can reach outside its folder or schema.
/// </summary>
public static partial class ResourceIds
{
    public const string Rule =
        "1 to 63 characters of lowercase letters a-z, digits, '-', '_' and '.', "
        + "starting with a letter or digit, without '..'";

    public static bool IsValid(string? id) => id is not null && Pattern().IsMatch(id) && !id.Contains("..");

    /// <summary>
    /// Throws InvalidArgument naming <paramref name="field"/> when <paramref name="id"/> breaks the rule.
    /// </summary>
    public static string Require(string? id, string field)
    {
        if (!IsValid(id))
        {
            RpcErrors.ThrowInvalidArgument(field, $"'{Printable(id)}' is not a valid id: {Rule}.");
        }

        return id!;
    }

    /// <summary>Shows control characters as escapes, so an error message never carries them raw.</summary>
    public static string Printable(string? value) =>
        value is null ? "" : string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,62}$")]
    private static partial Regex Pattern();
}
