using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.V1;
using Grpc.Core;

namespace Continuum.Bench;

/// <summary>
/// One shuffled epoch of Fashion-MNIST's 60,000 training examples in batches of 256, read over the gRPC stream
/// on loopback, against assembling the same batches from the decoded arrays in memory.
/// </summary>
public sealed class DataReadBenchmark : IBenchmark
{
    private const int BatchSize = 256;

    public string Name => "data-read";

    public string Description =>
        $"an epoch of Fashion-MNIST train read as batches of {BatchSize} over gRPC vs from memory";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        await using var server = await DataServer.StartAsync();
        var client = server.Client;
        await server.CreateFashionDatasetAsync(cancellationToken);
        var version = await server.UploadFashionTrainAsync(cancellationToken);
        var files = new[]
        {
            new UploadedFile(0, "images", Split.Train, FileRole.IdxInputs, DataServer.TrainImages),
            new UploadedFile(1, "labels", Split.Train, FileRole.IdxLabels, DataServer.TrainLabels),
        };
        var content = DatasetDecoder.Decode(DataFormat.Idx, files,
            new DecodeOptions { InputShape = [28, 28], ClassCount = 10, ValueDivisor = 255 }, cancellationToken);
        if (version.ContentSha256 != content.ComputeSha256())
        {
            throw new InvalidOperationException("The uploaded version differs from the decoded files.");
        }

        var train = content.Get(Split.Train)!;

        var (ours, baseline) = await Measure.PairedMedianSecondsAsync(
            async () =>
            {
                using var call = client.ReadBatches(new ReadBatchesRequest
                {
                    Name = version.Name, Split = Split.Train, BatchSize = BatchSize, Shuffle = true, Seed = 1,
                }, cancellationToken: cancellationToken);
                long examples = 0;
                await foreach (var batch in call.ResponseStream.ReadAllAsync(cancellationToken))
                {
                    examples += batch.ExampleCount;
                }

                if (examples != train.Count)
                {
                    throw new InvalidOperationException($"Read {examples} examples, expected {train.Count}.");
                }
            },
            () =>
            {
                var order = Continuum.Data.Analysis.Shuffle.Indices(train, null, shuffle: true, seed: 1);
                var rowBytes = content.FeatureCount * sizeof(float);
                for (var start = 0; start < order.Length; start += BatchSize)
                {
                    var count = Math.Min(BatchSize, order.Length - start);
                    var features = new byte[count * rowBytes];
                    var labels = new long[count];
                    for (var i = 0; i < count; i++)
                    {
                        labels[i] = train.Labels[order[start + i]];
                        DatasetContent.CopyLittleEndian(train.Row(order[start + i], content.FeatureCount),
                            features.AsSpan(i * rowBytes));
                    }
                }

                return Task.CompletedTask;
            },
            rounds: 5);

        return
        [
            new BenchResult(Name, "examples per second", train.Count / ours, train.Count / baseline, "ex/s", Aim: null,
                AimOurs: 100_000),
        ];
    }
}
