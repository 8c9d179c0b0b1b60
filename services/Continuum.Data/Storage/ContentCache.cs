using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Blobs;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Continuum.Data.Storage;

/// <summary>
/// Decoded versions in memory, by content hash. Training reads the same version epoch after epoch, so only the
/// first read decodes; the cache is bounded by bytes, least recently used first out. A version comes from its
/// content blob (derived versions) or from decoding its raw files again (uploads), and is checked against its
/// content hash either way, so a changed decoder or a damaged blob can never serve different examples.
/// </summary>
public sealed class ContentCache(IBlobStore blobs, IOptions<ContinuumOptions> options) : IDisposable
{
    /// <summary>About 2 GiB of decoded examples: Fashion-MNIST's 70,000 images as float32 take 220 MB.</summary>
    private const long CapacityBytes = 2L << 30;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CapacityBytes });

    public async Task<DatasetContent> GetAsync(VersionRow version, CancellationToken ct)
    {
        if (cache.TryGetValue(version.ContentSha256, out Lazy<Task<DatasetContent>>? cached))
        {
            return await cached!.Value.WaitAsync(ct);
        }

        // Not tied to one caller's cancellation: other readers may come to wait for the same load.
        var load = new Lazy<Task<DatasetContent>>(() => LoadAsync(version));
        var content = await load.Value.WaitAsync(ct);
        cache.Set(version.ContentSha256, load, new MemoryCacheEntryOptions { Size = SizeOf(content) });
        return content;
    }

    /// <summary>Keeps content just stored, so the first read after an upload does not decode it again.</summary>
    public void Add(string contentSha256, DatasetContent content) =>
        cache.Set(contentSha256, new Lazy<Task<DatasetContent>>(Task.FromResult(content)),
            new MemoryCacheEntryOptions { Size = SizeOf(content) });

    public void Dispose() => cache.Dispose();

    private async Task<DatasetContent> LoadAsync(VersionRow version)
    {
        var content = version.ContentBlob is { } blob
            ? await ReadContentBlobAsync(blob)
            : await DecodeRawFilesAsync(DecodeRecipe.FromJson(version.DecodeJson!));
        var sha = content.ComputeSha256();
        if (sha != version.ContentSha256)
        {
            throw new InvalidDataException(
                $"datasets/{version.Dataset}/versions/{version.Version} should hash to {version.ContentSha256} "
                + $"but its stored data gives {sha}.");
        }

        return content;
    }

    private async Task<DatasetContent> ReadContentBlobAsync(string blob)
    {
        await using var stream = await blobs.OpenReadAsync(blob);
        return await DatasetContentFile.ReadAsync(stream, CancellationToken.None);
    }

    private async Task<DatasetContent> DecodeRawFilesAsync(DecodeRecipe recipe)
    {
        var dir = Directory.CreateDirectory(
            Path.Combine(Ingest.UploadStaging.RootFor(options.Value), Guid.NewGuid().ToString("N")));
        try
        {
            var files = new List<UploadedFile>();
            foreach (var (file, i) in recipe.Files.Select((f, i) => (f, i)))
            {
                var path = Path.Combine(dir.FullName, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await using (var source = await blobs.OpenReadAsync(file.Sha256))
                await using (var target = File.Create(path))
                {
                    await source.CopyToAsync(target);
                }

                files.Add(new UploadedFile(i, file.FileName, file.Split, file.Role, path));
            }

            return await Task.Run(() =>
                DatasetDecoder.Decode(recipe.Format, files, recipe.ToOptions(), CancellationToken.None));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static long SizeOf(DatasetContent content) =>
        content.Splits.Sum(s => s.Features.LongLength * sizeof(float) + s.Labels.LongLength * sizeof(long));
}
