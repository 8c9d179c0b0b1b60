namespace Continuum.ServiceDefaults.Blobs;

/// <summary>
/// Blobs as files under one root, at <c>ab/cd/abcd…</c>. Writes go to <c>tmp/</c> first, are hashed
/// and flushed there, and only then renamed into place, so readers never see a partial blob.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private const int BufferSize = 1 << 20;
    private readonly string root;
    private readonly string tempDir;

    public LocalBlobStore(string root)
    {
        this.root = Path.GetFullPath(root);
        tempDir = Path.Combine(this.root, "tmp");
        Directory.CreateDirectory(tempDir);
        DeleteStale(tempDir, file => new FileInfo(file).Delete());
    }

    /// <summary>How old a temporary file must be before it counts as left behind by a process that died.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// Removes what a killed process left in a scratch folder. Other processes may share the folder (one blob
    /// volume, many services), so only entries untouched for <see cref="StaleAfter"/> go.
    /// </summary>
    public static void DeleteStale(string dir, Action<string> delete)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir))
        {
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(entry) > StaleAfter)
            {
                delete(entry);
            }
        }
    }

    public string Root => root;

    public Task<BlobInfo> PutAsync(
        Stream content, string? expectedSha256 = null, long? expectedSize = null,
        CancellationToken cancellationToken = default)
    {
        if (expectedSha256 is not null)
        {
            BlobAddress.Require(expectedSha256, nameof(expectedSha256));
        }

        return StoreAsync((target, ct) => content.CopyToAsync(target, BufferSize, ct), expectedSha256, expectedSize,
            cancellationToken);
    }

    public Task<BlobInfo> PutAsync(
        Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default) =>
        StoreAsync(write, null, null, cancellationToken);

    private async Task<BlobInfo> StoreAsync(
        Func<Stream, CancellationToken, Task> write, string? expectedSha256, long? expectedSize,
        CancellationToken cancellationToken)
    {
        var tempPath = Path.Combine(tempDir, Guid.NewGuid().ToString("N"));
        try
        {
            BlobInfo info;
            await using (var file = new FileStream(
                tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                await using var hashing = new HashingStream(file);
                await write(hashing, cancellationToken);
                await hashing.FlushAsync(cancellationToken);
                info = hashing.Result();
                // The rename below must never publish bytes that are still only in the page cache.
                file.Flush(flushToDisk: true);
            }

            if (expectedSize is { } size && size != info.Size)
            {
                throw new BlobMismatchException($"Expected {size} bytes but received {info.Size}.");
            }

            if (expectedSha256 is not null && expectedSha256 != info.Sha256)
            {
                throw new BlobMismatchException(
                    $"Expected SHA-256 {expectedSha256} but the content hashes to {info.Sha256}.");
            }

            var finalPath = PathOf(info.Sha256);
            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            if (File.Exists(finalPath))
            {
                return info;
            }

            // overwrite: a concurrent writer of the same content may have won; its bytes are identical.
            File.Move(tempPath, finalPath, overwrite: true);
            return info;
        }
        finally
        {
            File.Delete(tempPath);
        }
    }

    public Task<Stream> OpenReadAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var path = PathOf(BlobAddress.Require(sha256, nameof(sha256)));
        try
        {
            Stream stream = new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous);
            return Task.FromResult(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BlobNotFoundException(sha256);
        }
    }

    public Task<BlobInfo?> GetInfoAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var file = new FileInfo(PathOf(BlobAddress.Require(sha256, nameof(sha256))));
        return Task.FromResult(file.Exists ? new BlobInfo(sha256, file.Length) : null);
    }

    public Task<bool> DeleteAsync(string sha256, CancellationToken cancellationToken = default)
    {
        var path = PathOf(BlobAddress.Require(sha256, nameof(sha256)));
        var existed = File.Exists(path);
        File.Delete(path);
        return Task.FromResult(existed);
    }

    private string PathOf(string sha256) => Path.Combine(root, sha256[..2], sha256[2..4], sha256);

}
