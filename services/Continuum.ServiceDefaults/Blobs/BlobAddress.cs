namespace Continuum.ServiceDefaults.Blobs;

/// <summary>
/// A blob address is exactly 64 lowercase hex digits. Checking that before any path is built is what
/// keeps every file the store touches inside its root.
/// </summary>
public static class BlobAddress
{
    public static bool IsValid(string? sha256) =>
        sha256 is { Length: 64 } && sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    public static string Require(string? sha256, string paramName) =>
        IsValid(sha256)
            ? sha256!
            : throw new ArgumentException("A blob address is 64 lowercase hexadecimal digits (SHA-256).", paramName);
}
