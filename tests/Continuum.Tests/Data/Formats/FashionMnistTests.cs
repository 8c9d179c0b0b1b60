using System.Diagnostics;
using System.Globalization;
using System.Text;
using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Continuum.Tests.Data.Formats;

/// <summary>The real Fashion-MNIST files of the dataset-fashion-mnist package, in every format.</summary>
public sealed class FashionMnistTests(ITestOutputHelper output) : IDisposable
{
    private static readonly int[] Shape = [28, 28];

    private readonly DataFiles data = new();

    public void Dispose() => data.Dispose();

    [Fact]
    public async Task Decode_GzippedFiles_Gives60000And10000BalancedExamples()
    {
        var files = AddFashionMnist(data, gunzip: false);
        var clock = Stopwatch.StartNew();

        var content = await Task.Run(() => Decode(DataFormat.Idx, files, 255f)).WaitAsync(TestEnvironment.Timeout);

        output.WriteLine($"Decoded 70,000 gzipped examples in {clock.ElapsedMilliseconds} ms.");
        var train = content.Get(Split.Train)!;
        var test = content.Get(Split.Test)!;
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.All(DatasetContent.ClassCounts(train, 10), c => Assert.Equal(6_000, c));
        Assert.All(DatasetContent.ClassCounts(test, 10), c => Assert.Equal(1_000, c));
        Assert.Equal(784, content.FeatureCount);
        var (firstImage, firstLabel) = Slice("train", 1);
        Assert.Equal(firstLabel[0], train.Labels[0]);
        Assert.Equal(firstImage.Select(p => (float)p / 255f), train.Row(0, 784).ToArray());
    }

    [Fact]
    public async Task Decode_GunzippedCopy_GivesTheSameSha256()
    {
        using var plain = new DataFiles();
        var gzipped = AddFashionMnist(data, gunzip: false);
        var gunzipped = AddFashionMnist(plain, gunzip: true);

        var hashes = await Task.Run(() => new[] { gzipped, gunzipped }
            .Select(f => Decode(DataFormat.Idx, f, 255f).ComputeSha256()).ToArray()).WaitAsync(TestEnvironment.Timeout);

        output.WriteLine($"Fashion-MNIST content_sha256: {hashes[0]}");
        Assert.Equal(hashes[0], hashes[1]);
        Assert.Matches("^[0-9a-f]{64}$", hashes[0]);
    }

    [Fact]
    public async Task Decode_SliceAsIdxCsvAndJsonl_GivesTheSameSha256()
    {
        var (trainImages, trainLabels) = Slice("train", 500);
        var (testImages, testLabels) = Slice("t10k", 100);
        using var idx = new DataFiles();
        using var csv = new DataFiles();
        using var jsonl = new DataFiles();
        foreach (var (split, images, labels) in
                 new[] { (Split.Train, trainImages, trainLabels), (Split.Test, testImages, testLabels) })
        {
            idx.Add($"{split}-images", split, FileRole.IdxInputs, DataFiles.Idx3(labels.Length, 28, 28, images));
            idx.Add($"{split}-labels", split, FileRole.IdxLabels, DataFiles.Idx1(labels.Length, labels));
            csv.AddText($"{split}.csv", split, Csv(images, labels));
            jsonl.AddText($"{split}.jsonl", split, Jsonl(images, labels));
        }

        var hashes = await Task.Run(() => new[]
        {
            Decode(DataFormat.Idx, idx.Files, 255f).ComputeSha256(),
            // Pixels as integers, divided by 255 on the way in.
            Decode(DataFormat.Csv, csv.Files, 255f).ComputeSha256(),
            // Pixels already divided, written with round-trip formatting.
            Decode(DataFormat.Jsonl, jsonl.Files, 1f).ComputeSha256(),
        }).WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(hashes[0], hashes[1]);
        Assert.Equal(hashes[0], hashes[2]);
    }

    private static IReadOnlyList<UploadedFile> AddFashionMnist(DataFiles files, bool gunzip)
    {
        foreach (var (prefix, split) in new[] { ("train", Split.Train), ("t10k", Split.Test) })
        {
            foreach (var (kind, role) in
                     new[] { ("images-idx3", FileRole.IdxInputs), ("labels-idx1", FileRole.IdxLabels) })
            {
                var path = Path.Combine(Data.FashionMnist.Dir, $"{prefix}-{kind}-ubyte.gz");
                var bytes = gunzip ? DataFiles.Gunzip(path) : File.ReadAllBytes(path);
                files.Add(Path.GetFileName(gunzip ? path[..^3] : path), split, role, bytes);
            }
        }

        return files.Files;
    }

    private static (byte[] Images, byte[] Labels) Slice(string prefix, int count)
    {
        var images = DataFiles.Gunzip(Path.Combine(Data.FashionMnist.Dir, $"{prefix}-images-idx3-ubyte.gz"),
            16 + count * 784);
        var labels = DataFiles.Gunzip(Path.Combine(Data.FashionMnist.Dir, $"{prefix}-labels-idx1-ubyte.gz"), 8 + count);
        return (images[16..(16 + count * 784)], labels[8..(8 + count)]);
    }

    private static string Csv(byte[] images, byte[] labels)
    {
        // A quoted, ignored id column in front, the label in the middle of the pixels.
        var text = new StringBuilder("id,").AppendJoin(',', Enumerable.Range(0, 392).Select(i => $"p{i}"))
            .Append(",label,").AppendJoin(',', Enumerable.Range(392, 392).Select(i => $"p{i}")).Append("\r\n");
        for (var n = 0; n < labels.Length; n++)
        {
            var pixels = images.AsSpan(n * 784, 784).ToArray();
            text.Append($"\"img {n}, \"\"x\"\"\",").AppendJoin(',', pixels[..392]).Append(',').Append(labels[n])
                .Append(',').AppendJoin(',', pixels[392..]).Append("\r\n");
        }

        return text.ToString();
    }

    private static string Jsonl(byte[] images, byte[] labels)
    {
        var text = new StringBuilder();
        for (var n = 0; n < labels.Length; n++)
        {
            var values = images.AsSpan(n * 784, 784).ToArray()
                .Select(p => ((float)p / 255f).ToString("R", CultureInfo.InvariantCulture));
            text.Append($"{{\"label\": {labels[n]}, \"features\": [").AppendJoin(", ", values).Append("]}\n");
        }

        return text.ToString();
    }

    private static DatasetContent Decode(DataFormat format, IReadOnlyList<UploadedFile> files, float divisor) =>
        DatasetDecoder.Decode(format, files, DataFiles.Options(Shape, divisor: divisor) with
        {
            Csv = new CsvOptions { LabelColumn = "label", IgnoreColumns = { "id" } },
        }, CancellationToken.None);
}
