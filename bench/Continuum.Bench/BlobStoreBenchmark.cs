using System.Security.Cryptography;
using Continuum.ServiceDefaults.Blobs;

namespace Continuum.Bench;

/// <summary>
/// Storing a blob (hash while copying, flush, atomic rename) against what a shell would do for the same
/// bytes: hash the file, then copy it. Every upload in Continuum goes through this path.
/// </summary>
public sealed class BlobStoreBenchmark : IBenchmark
{
    private const int Megabytes = 256;

    public string Name => "blob-store";

    public string Description => $"LocalBlobStore.PutAsync of a {Megabytes} MiB file vs SHA-256 then copy";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        var dir = Path.Combine(Path.GetTempPath(), "continuum-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var source = Path.Combine(dir, "source.bin");
            await File.WriteAllBytesAsync(source, RandomNumberGenerator.GetBytes(Megabytes << 20), cancellationToken);
            var store = new LocalBlobStore(Path.Combine(dir, "blobs"));

            var (ours, baseline) = await Measure.PairedMedianSecondsAsync(
                async () =>
                {
                    await using var input = File.OpenRead(source);
                    var info = await store.PutAsync(input, cancellationToken: cancellationToken);
                    // Remove it so every round writes the whole file, as a first upload does.
                    await store.DeleteAsync(info.Sha256, cancellationToken);
                },
                async () =>
                {
                    await using (var input = File.OpenRead(source))
                    {
                        await SHA256.HashDataAsync(input, cancellationToken);
                    }

                    var copy = Path.Combine(dir, "copy.bin");
                    File.Copy(source, copy, overwrite: true);
                    File.Delete(copy);
                },
                rounds: 5);

            return [new BenchResult(Name, "write throughput", Megabytes / ours, Megabytes / baseline, "MiB/s",
                Aim: 0.5)];
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
