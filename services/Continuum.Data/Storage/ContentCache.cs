using Continuum.Data.Content;
using Continuum.ServiceDefaults.Blobs;
using Microsoft.Extensions.Caching.Memory;

namespace Continuum.Data.Storage;

/// <summary>
/// Decoded versions in memory, by the address of their content blob. Training reads the same version
/// epoch after epoch, so the second read costs no decoding; the cache is bounded by bytes, least recently
/// used first out.
/// </summary>
public sealed class ContentCache(IBlobStore blobs) : IDisposable
{
    /// <summary>About 2 GiB of decoded examples: Fashion-MNIST's 70,000 images as float32 take 220 MB.</summary>
    private const long CapacityBytes = 2L << 30;

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = CapacityBytes });

    public async Task<DatasetContent> GetAsync(string contentBlob, CancellationToken ct)
    {
        if (cache.TryGetValue(contentBlob, out Lazy<Task<DatasetContent>>? cached))
        {
            return await cached!.Value.WaitAsync(ct);
        }

        var load = new Lazy<Task<DatasetContent>>(() => LoadAsync(contentBlob));
        try
        {
            var content = await load.Value.WaitAsync(ct);
            cache.Set(contentBlob, load, new MemoryCacheEntryOptions { Size = SizeOf(content) });
            return content;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"Decoded content blob {contentBlob} cannot be read.", e);
        }
    }

    /// <summary>Keeps content just written, so the first read after an upload does not decode it again.</summary>
    public void Add(string contentBlob, DatasetContent content) =>
        cache.Set(contentBlob, new Lazy<Task<DatasetContent>>(Task.FromResult(content)),
            new MemoryCacheEntryOptions { Size = SizeOf(content) });

    public void Dispose() => cache.Dispose();

    private async Task<DatasetContent> LoadAsync(string contentBlob)
    {
        // Not tied to one caller's cancellation: other readers may be waiting for the same load.
        await using var stream = await blobs.OpenReadAsync(contentBlob);
        return await DatasetContentFile.ReadAsync(stream, CancellationToken.None);
    }

    private static long SizeOf(DatasetContent content) =>
        content.Splits.Sum(s => s.Features.LongLength * sizeof(float) + s.Labels.LongLength * sizeof(long));
}
