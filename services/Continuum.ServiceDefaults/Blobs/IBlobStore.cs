namespace Continuum.ServiceDefaults.Blobs;

/// <summary>What the store knows of one blob: its SHA-256 (lowercase hex) and size in bytes.</summary>
public sealed record BlobInfo(string Sha256, long Size);

/// <summary>
/// Content-addressed storage for dataset files, checkpoints and model artifacts. A blob is visible
/// only once complete and verified; a failed or cancelled write leaves nothing behind.
/// The local-disk store is the default; an S3-compatible store can implement the same contract.
/// </summary>
public interface IBlobStore
{
    /// <summary>
    /// Stores <paramref name="content"/> and returns its address. When <paramref name="expectedSha256"/> or
    /// <paramref name="expectedSize"/> is given and the content does not match, throws
    /// <see cref="BlobMismatchException"/> and stores nothing. Writing existing content is a no-op.
    /// </summary>
    Task<BlobInfo> PutAsync(
        Stream content, string? expectedSha256 = null, long? expectedSize = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores what <paramref name="write"/> writes into the stream it is given, without a copy in between;
    /// the blob becomes visible only after <paramref name="write"/> completes.
    /// </summary>
    Task<BlobInfo> PutAsync(Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default);

    /// <summary>Opens a stored blob for reading, or throws <see cref="BlobNotFoundException"/>.</summary>
    Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Size and address of a stored blob, or null when there is none.</summary>
    Task<BlobInfo?> GetInfoAsync(string sha256, CancellationToken cancellationToken = default);

    /// <summary>Removes a blob; true when it existed.</summary>
    Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken = default);
}

public sealed class BlobMismatchException(string message) : Exception(message);

public sealed class BlobNotFoundException(string sha256) : Exception($"Blob {sha256} does not exist.")
{
    public string Sha256 { get; } = sha256;
}
