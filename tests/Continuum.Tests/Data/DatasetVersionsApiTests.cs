using System.Globalization;
using System.Text;
using Continuum.Data.V1;
using Continuum.Events;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Data;

/// <summary>Uploading, deduplicating and validating versions on the real Fashion-MNIST files.</summary>
public sealed class DatasetVersionsApiTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Upload_FullFashionMnist_GzippedAndPlainGiveOneVersionWithCanonicalCounts(Backend backend)
    {
        var inbox = new EventInbox<DatasetVersionCreated>();
        await using var host = await RunningHost.StartAsync(backend, inbox.AttachTo);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        UploadPart Part(string path, Split split, FileRole role, bool gunzip) =>
            new(Path.GetFileName(path), split, role, gunzip ? FashionMnist.Gunzip(path) : File.ReadAllBytes(path));
        List<UploadPart> Parts(bool gunzip) =>
        [
            Part(FashionMnist.TrainImages, Split.Train, FileRole.IdxInputs, gunzip),
            Part(FashionMnist.TrainLabels, Split.Train, FileRole.IdxLabels, gunzip),
            Part(FashionMnist.TestImages, Split.Test, FileRole.IdxInputs, gunzip),
            Part(FashionMnist.TestLabels, Split.Test, FileRole.IdxLabels, gunzip),
        ];

        var gzipped = await data.UploadAsync("fashion", DataFormat.Idx, Parts(gunzip: false));
        var plain = await data.UploadAsync("fashion", DataFormat.Idx, Parts(gunzip: true));

        var version = gzipped.DatasetVersion;
        Assert.False(gzipped.AlreadyExisted);
        Assert.Equal("datasets/fashion/versions/1", version.Name);
        var train = version.Splits.Single(s => s.Split == Split.Train);
        var test = version.Splits.Single(s => s.Split == Split.Test);
        Assert.Equal(60_000, train.ExampleCount);
        Assert.Equal(10_000, test.ExampleCount);
        Assert.All(train.ClassCounts, c => Assert.Equal(6_000, c));
        Assert.All(test.ClassCounts, c => Assert.Equal(1_000, c));
        Assert.Equal(Enumerable.Range(0, 10), version.PresentClasses);
        Assert.True(plain.AlreadyExisted);
        Assert.Equal(version.Name, plain.DatasetVersion.Name);
        Assert.Equal(version.ContentSha256, plain.DatasetVersion.ContentSha256);
        // The file hashes are those of the files as shipped, as sha256sum would print them.
        Assert.Equal(Convert.ToHexStringLower(
                System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(FashionMnist.TrainImages))),
            version.SourceFiles.Single(f => f.FileName == "train-images-idx3-ubyte.gz").Sha256);
        var created = await inbox.WaitForAsync(e => e.ContentSha256 == version.ContentSha256);
        Assert.Equal(60_000, created.TrainExampleCount);
        Assert.Equal(version.ContentSha256, created.ContentSha256);
        Assert.Null(created.Comparison);
    }

    [Fact]
    public async Task Upload_SameSliceAsCsvAndJsonLines_ReturnsTheIdxVersion()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 300);
        var idx = await data.UploadAsync("fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels));

        var csv = await data.UploadAsync("fashion", DataFormat.Csv,
            [new("slice.csv", Split.Train, FileRole.Table, Encoding.UTF8.GetBytes(Csv(pixels, labels)))],
            m => { m.Csv = new CsvOptions { LabelColumn = "label" }; m.ValueDivisor = 255; });
        var jsonl = await data.UploadAsync("fashion", DataFormat.Jsonl,
            [new("slice.jsonl", Split.Train, FileRole.Table, Encoding.UTF8.GetBytes(JsonLines(pixels, labels)))],
            m => m.ValueDivisor = 255);

        Assert.True(csv.AlreadyExisted);
        Assert.True(jsonl.AlreadyExisted);
        Assert.Equal(idx.DatasetVersion.ContentSha256, csv.DatasetVersion.ContentSha256);
        Assert.Equal(idx.DatasetVersion.Name, jsonl.DatasetVersion.Name);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Upload_SameContentFromTwoClientsAtOnce_OneVersion(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 2_000);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            Task.Run(() => data.UploadAsync("fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels)))));

        Assert.Single(results.Select(r => r.DatasetVersion.Name).Distinct());
        Assert.Single(results, r => !r.AlreadyExisted);
        var versions = await data.Raw.ListDatasetVersionsAsync(
            new ListDatasetVersionsRequest { Parent = "datasets/fashion" });
        Assert.Single(versions.DatasetVersions);
    }

    [Fact]
    public async Task Upload_KeepClasses_VersionHoldsOnlyThoseAndNextComparesClassIncremental()
    {
        var inbox = new EventInbox<DatasetVersionCreated>();
        await using var host = await RunningHost.StartAsync(Backend.Embedded, inbox.AttachTo);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 3_000);
        var parts = DataClient.IdxParts(pixels, labels);

        var first = await data.UploadAsync("fashion", DataFormat.Idx, parts, m => m.KeepClasses.AddRange([0, 1]));
        var second = await data.UploadAsync("fashion", DataFormat.Idx, parts, m => m.KeepClasses.AddRange([2, 3]));

        Assert.Equal([0, 1], first.DatasetVersion.PresentClasses);
        Assert.Equal(labels.Count(l => l is 0 or 1), first.DatasetVersion.Splits.Single().ExampleCount);
        var comparison = second.DatasetVersion.PreviousVersionComparison;
        Assert.Equal(Scenario.ClassIncremental, comparison.Scenario);
        Assert.Equal([2, 3], comparison.ClassesAdded);
        Assert.Equal([0, 1], comparison.ClassesRemoved);
        var created = await inbox.WaitForAsync(e => e.DatasetVersion == second.DatasetVersion.Name);
        Assert.Equal("SCENARIO_CLASS_INCREMENTAL", created.Comparison!.Scenario);
        Assert.Equal("datasets/fashion/versions/1", created.Comparison.PreviousVersion);
    }

    [Fact]
    public async Task Compare_SliceAndItsInvertedPixels_DomainIncremental()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 3_000);
        var inverted = pixels.Select(p => (byte)(255 - p)).ToArray();
        await data.UploadAsync("fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels),
            m => m.KeepClasses.AddRange([0, 1]));
        await data.UploadAsync("fashion", DataFormat.Idx, DataClient.IdxParts(inverted, labels),
            m => m.KeepClasses.AddRange([0, 1]));

        var response = await data.Raw.CompareDatasetVersionsAsync(new CompareDatasetVersionsRequest
        {
            BaseVersion = "datasets/fashion/versions/1",
            TargetVersion = "datasets/fashion/versions/latest",
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var c = response.Comparison;
        Assert.Equal(Scenario.DomainIncremental, c.Scenario);
        Assert.Empty(c.ClassesAdded);
        Assert.Equal(0, c.LabelShift, 9);
        Assert.True(c.PopulationStabilityIndex > c.DriftThreshold, $"PSI {c.PopulationStabilityIndex}");
        Assert.Equal("datasets/fashion/versions/2", c.TargetVersion);
    }

    private static string Csv(byte[] pixels, byte[] labels)
    {
        // CRLF rows and a byte-order mark, as spreadsheet programs write them.
        var text = new StringBuilder("\uFEFFlabel,");
        text.AppendJoin(',', Enumerable.Range(0, FashionMnist.Pixels).Select(i => $"p{i}")).Append("\r\n");
        for (var i = 0; i < labels.Length; i++)
        {
            text.Append(labels[i].ToString(CultureInfo.InvariantCulture)).Append(',');
            text.AppendJoin(',', pixels.AsSpan(i * FashionMnist.Pixels, FashionMnist.Pixels).ToArray()).Append("\r\n");
        }

        return text.ToString();
    }

    private static string JsonLines(byte[] pixels, byte[] labels)
    {
        var text = new StringBuilder();
        for (var i = 0; i < labels.Length; i++)
        {
            text.Append("{\"label\":").Append(labels[i].ToString(CultureInfo.InvariantCulture))
                .Append(",\"features\":[");
            text.AppendJoin(',', pixels.AsSpan(i * FashionMnist.Pixels, FashionMnist.Pixels).ToArray()).Append("]}\n");
        }

        return text.ToString();
    }
}
