using System.Runtime.InteropServices;
using Continuum.Contracts;
using Continuum.Data.V1;
using Continuum.Ml.Training;
using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Grpc;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace Continuum.Training.Worker;

/// <summary>
/// The examples of a dataset version's split, fetched once from the data service's batch stream and then kept
/// on local disk under the version's content hash, so later epochs, resumed runs and later jobs on the same data
/// read a file instead of the network. A file is written under a temporary name and renamed when complete.
/// </summary>
public sealed class ExampleCache(PeerChannels peers, IOptions<ContinuumOptions> options)
{
    private const int Magic = 0x58455443; // "CTEX"
    // Under the data service's 4 MiB of features per batch, with room for the rest of the message.
    private const int MaxBatchBytes = 4_000_000;

    private string Folder => Path.Combine(Path.GetFullPath(options.Value.DataDir), "cache", "examples");

    public async Task<ExampleSet> LoadAsync(
        DatasetVersion version, Split split, IReadOnlyList<int> inputShape, CancellationToken ct)
    {
        var path = Path.Combine(Folder, $"{version.ContentSha256}-{split.ToString().ToLowerInvariant()}.bin");
        if (!File.Exists(path))
        {
            var perExample = inputShape.Aggregate(1L, (a, b) => a * b);
            var batch = (int)Math.Clamp(MaxBatchBytes / (4 * perExample), 1, 4096);
            await FetchAsync(version.Name, split, batch, path, ct);
        }

        return Read(path);
    }

    /// <summary>One split of several versions (looked up by name), one version's examples after the other.</summary>
    public async Task<ExampleSet> LoadAllAsync(
        IReadOnlyList<string> names, Split split, IReadOnlyList<int> inputShape, CancellationToken ct)
    {
        var data = new DataService.DataServiceClient(peers.For(ServiceCatalog.Data.Name));
        var parts = new List<ExampleSet>();
        try
        {
            foreach (var name in names)
            {
                var version = (await data.GetDatasetVersionAsync(
                    new GetDatasetVersionRequest { Name = name }, cancellationToken: ct)).DatasetVersion;
                parts.Add(await LoadAsync(version, split, inputShape, ct));
            }

            if (parts.Count == 1)
            {
                var only = parts[0];
                parts.Clear();
                return only;
            }

            return new ExampleSet(torch.cat(parts.Select(p => p.Features).ToList(), 0),
                torch.cat(parts.Select(p => p.Labels).ToList(), 0));
        }
        finally
        {
            parts.ForEach(p => p.Dispose());
        }
    }

    private async Task FetchAsync(string name, Split split, int batch, string path, CancellationToken ct)
    {
        var data = new DataService.DataServiceClient(peers.For(ServiceCatalog.Data.Name));
        var features = new List<float>();
        var labels = new List<long>();
        int[] shape = [];
        var first = true;
        using (var call = data.ReadBatches(new ReadBatchesRequest { Name = name, Split = split, BatchSize = batch },
            cancellationToken: ct))
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
                var response = call.ResponseStream.Current;
                if (first)
                {
                    shape = [.. response.InputShape];
                    features.Capacity = checked((int)(response.TotalExamples * shape.Aggregate(1, (a, b) => a * b)));
                    labels.Capacity = (int)response.TotalExamples;
                    first = false;
                }

                features.AddRange(MemoryMarshal.Cast<byte, float>(response.Features.Span));
                labels.AddRange(response.Labels);
            }
        }

        Directory.CreateDirectory(Folder);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        await using (var writer = new BinaryWriter(file))
        {
            writer.Write(Magic);
            writer.Write(labels.Count);
            writer.Write(shape.Length);
            foreach (var dimension in shape)
            {
                writer.Write(dimension);
            }

            writer.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(features)));
            writer.Write(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(labels)));
            writer.Flush();
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static ExampleSet Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"{path} is not an example cache file.");
        }

        var count = reader.ReadInt32();
        var shape = new int[reader.ReadInt32()];
        for (var i = 0; i < shape.Length; i++)
        {
            shape[i] = reader.ReadInt32();
        }

        var features = new float[checked(count * shape.Aggregate(1, (a, b) => a * b))];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(features.AsSpan()));
        var labels = new long[count];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(labels.AsSpan()));
        return ExampleSet.FromArrays(features, labels, shape);
    }
}
