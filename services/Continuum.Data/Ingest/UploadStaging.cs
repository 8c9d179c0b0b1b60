using System.Security.Cryptography;
using Continuum.Data.Formats;
using Continuum.Data.V1;
using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Grpc.Core;

namespace Continuum.Data.Ingest;

/// <summary>
/// Receives the chunks of an upload into temporary files, one per announced file, hashing as they arrive.
/// Nothing here is visible to anyone; disposing removes every file, so a failed or cancelled upload leaves
/// nothing behind.
/// </summary>
public sealed class UploadStaging : IDisposable
{
    public const int MaxChunkBytes = 1 << 20;

    private readonly string dir;
    private readonly IReadOnlyList<UploadFile> announced;
    private readonly FileStream?[] streams;
    private readonly IncrementalHash[] hashes;
    private readonly long[] sizes;

    /// <summary>
    /// Where uploads (and raw files being decoded again) are staged: <c>uploads/</c> in the data folder.
    /// </summary>
    public static string RootFor(ContinuumOptions options) =>
        Path.Combine(Path.GetFullPath(options.DataDir), "uploads");

    /// <summary>Removes uploads that a process killed mid-upload left behind under <paramref name="root"/>.</summary>
    public static void SweepStale(string root)
    {
        if (Directory.Exists(root))
        {
            LocalBlobStore.DeleteStale(root, dir => Directory.Delete(dir, recursive: true));
        }
    }

    public UploadStaging(string root, IReadOnlyList<UploadFile> announced)
    {
        dir = Path.Combine(root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        this.announced = announced;
        streams = new FileStream?[announced.Count];
        hashes = announced.Select(_ => IncrementalHash.CreateHash(HashAlgorithmName.SHA256)).ToArray();
        sizes = new long[announced.Count];
    }

    /// <summary>Reads chunks until the client completes the stream.</summary>
    public async Task ReceiveAsync(IAsyncStreamReader<CreateDatasetVersionRequest> requests, CancellationToken ct)
    {
        while (await requests.MoveNext(ct))
        {
            var request = requests.Current;
            if (request.PayloadCase != CreateDatasetVersionRequest.PayloadOneofCase.Chunk)
            {
                RpcErrors.ThrowInvalidArgument("metadata",
                    "only the first message may carry metadata; the rest are chunks.");
            }

            var chunk = request.Chunk;
            if (chunk.FileIndex < 0 || chunk.FileIndex >= announced.Count)
            {
                RpcErrors.ThrowInvalidArgument("chunk.file_index",
                    $"{chunk.FileIndex} names no announced file (there are {announced.Count}).");
            }

            if (chunk.Data.Length > MaxChunkBytes)
            {
                RpcErrors.ThrowInvalidArgument("chunk.data",
                    $"a chunk holds at most {MaxChunkBytes} bytes; "
                    + $"got {chunk.Data.Length} for file {chunk.FileIndex}.");
            }

            var i = chunk.FileIndex;
            streams[i] ??= new FileStream(PathOf(i), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16,
                useAsync: true);
            hashes[i].AppendData(chunk.Data.Span);
            sizes[i] += chunk.Data.Length;
            await streams[i]!.WriteAsync(chunk.Data.Memory, ct);
        }

        for (var i = 0; i < announced.Count; i++)
        {
            if (streams[i] is { } stream)
            {
                await stream.DisposeAsync();
                streams[i] = null;
            }
            else
            {
                // A file that got no chunk is an empty file; the decoder says what it lacks.
                await File.WriteAllBytesAsync(PathOf(i), [], ct);
            }

            if (announced[i].SizeBytes > 0 && announced[i].SizeBytes != sizes[i])
            {
                RpcErrors.ThrowInvalidArgument($"metadata.files[{i}].size_bytes",
                    $"{announced[i].FileName}: announced {announced[i].SizeBytes} bytes but {sizes[i]} arrived.");
            }
        }
    }

    /// <summary>The received files, for the decoders.</summary>
    public IReadOnlyList<UploadedFile> Files =>
        announced.Select((f, i) => new UploadedFile(i, f.FileName, f.Split, f.Role, PathOf(i))).ToList();

    /// <summary>What each file was as uploaded: its SHA-256 and size.</summary>
    public IReadOnlyList<SourceFile> SourceFiles =>
        announced.Select((f, i) => new SourceFile
        {
            FileName = f.FileName,
            Split = f.Split,
            Role = f.Role,
            Sha256 = Convert.ToHexStringLower(hashes[i].GetCurrentHash()),
            SizeBytes = sizes[i],
        }).ToList();

    public string PathOf(int index) =>
        Path.Combine(dir, index.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public void Dispose()
    {
        foreach (var stream in streams)
        {
            stream?.Dispose();
        }

        foreach (var hash in hashes)
        {
            hash.Dispose();
        }

        Directory.Delete(dir, recursive: true);
    }
}
