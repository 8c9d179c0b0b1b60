using System.Text;

namespace Continuum.ServiceDefaults.Grpc;

/// <summary>
/// AIP-158 paging: the page token is the opaque (base64url) sort key of the last item returned, so a page
/// stays correct while items are added or removed.
/// </summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;

    /// <summary>The page size to use: the default for 0, at most the maximum; negative is InvalidArgument.</summary>
    public static int Size(int requested, string field = "page_size")
    {
        if (requested < 0)
        {
            RpcErrors.ThrowInvalidArgument(field, $"must not be negative, got {requested}.");
        }

        return requested == 0 ? DefaultPageSize : Math.Min(requested, MaxPageSize);
    }

    public static string Token(string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("k:" + lastKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The sort key after which the page starts; null for the first page.</summary>
    public static string? After(string token, string field = "page_token")
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            if (text.StartsWith("k:", StringComparison.Ordinal))
            {
                return text[2..];
            }
        }
        catch (FormatException)
        {
        }

        RpcErrors.ThrowInvalidArgument(field, "is not a token returned by this call.");
        return null;
    }
}
