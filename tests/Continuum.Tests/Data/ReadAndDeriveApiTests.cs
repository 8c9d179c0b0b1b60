using System.Runtime.InteropServices;
using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Data;

/// <summary>Reading batches and deriving versions, on a real slice of Fashion-MNIST.</summary>
public sealed class ReadAndDeriveApiTests : IAsyncLifetime
{
    private const int Examples = 1_000;
    private RunningHost host = null!;
    private DataClient data = null!;
    private byte[] pixels = null!;
    private byte[] labels = null!;

    public async Task InitializeAsync()
    {
        host = await RunningHost.StartAsync(Backend.Embedded);
        data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");
        (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, Examples);
        await data.UploadAsync("fashion", DataFormat.Idx, DataClient.IdxParts(pixels, labels));
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task ReadBatches_InStoredOrder_YieldsTheUploadedPixelsAndLabels()
    {
        var batches = await data.ReadAllAsync(
            new ReadBatchesRequest { Name = "datasets/fashion/versions/1", Split = Split.Train, BatchSize = 128 });

        Assert.Equal(8, batches.Count);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), batches.Select(b => b.BatchIndex));
        Assert.Equal(1_000 - 7 * 128, batches[^1].ExampleCount);
        Assert.All(batches, b => Assert.Equal(Examples, b.TotalExamples));
        Assert.Equal(labels.Select(l => (long)l), batches.SelectMany(b => b.Labels));
        var features = batches.SelectMany(b => MemoryMarshal.Cast<byte, float>(b.Features.Span).ToArray()).ToArray();
        Assert.Equal(Examples * FashionMnist.Pixels, features.Length);
        // Pixels arrive divided by 255 in float32 arithmetic.
        Assert.Equal(pixels[4_321] / 255f, features[4_321]);
        Assert.Equal([28, 28], batches[0].InputShape);
    }

    [Fact]
    public async Task ReadBatches_ShuffledWithOneSeed_SameOrderTwiceAndEveryExampleOnce()
    {
        var request = new ReadBatchesRequest
        {
            Name = "datasets/fashion/versions/latest", Split = Split.Train, BatchSize = 100, Shuffle = true, Seed = 7,
        };

        var first = (await data.ReadAllAsync(request)).SelectMany(b => b.Labels).ToList();
        var second = (await data.ReadAllAsync(request)).SelectMany(b => b.Labels).ToList();
        request.Seed = 8;
        var other = (await data.ReadAllAsync(request)).SelectMany(b => b.Labels).ToList();

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.NotEqual(labels.Select(l => (long)l), first);
        Assert.Equal(labels.Select(l => (long)l).Order(), first.Order());
    }

    [Fact]
    public async Task ReadBatches_AfterRestart_DecodesRawFilesAndDerivedContentAgainIdentically()
    {
        await data.CreateFashionDatasetAsync("replay");
        await data.Raw.CreateDerivedDatasetVersionAsync(new CreateDerivedDatasetVersionRequest
        {
            Parent = "datasets/replay",
            Sample = new SampleDerivation
            {
                SourceVersion = "datasets/fashion/versions/1", ExamplesPerClass = 10, Seed = 3,
            },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var upload = new ReadBatchesRequest
        {
            Name = "datasets/fashion/versions/1", Split = Split.Train, BatchSize = 500, Shuffle = true, Seed = 5,
        };
        var derived = new ReadBatchesRequest
        {
            Name = "datasets/replay/versions/1", Split = Split.Train, BatchSize = 500,
        };
        var before = (await data.ReadAllAsync(upload)).Concat(await data.ReadAllAsync(derived)).ToList();
        await host.StopAsync(keepDataDir: true);

        // A new process has an empty cache: it must rebuild both versions from what is on disk.
        host = await RunningHost.StartAsync(Backend.Embedded, dataDir: host.DataDir);
        data = new DataClient(host.Channel);
        var after = (await data.ReadAllAsync(upload)).Concat(await data.ReadAllAsync(derived)).ToList();

        Assert.Equal(before.Select(b => b.Labels.ToList()), after.Select(b => b.Labels.ToList()));
        Assert.Equal(before.Select(b => b.Features), after.Select(b => b.Features));
    }

    [Fact]
    public async Task ReadBatches_ClassFilter_OnlyThoseClasses()
    {
        var batches = await data.ReadAllAsync(new ReadBatchesRequest
        {
            Name = "datasets/fashion/versions/1", Split = Split.Train, BatchSize = 64, Classes = { 3, 7 },
        });

        var read = batches.SelectMany(b => b.Labels).ToList();
        Assert.Equal(labels.Count(l => l is 3 or 7), read.Count);
        Assert.All(read, l => Assert.Contains(l, new long[] { 3, 7 }));
    }

    [Theory]
    [InlineData(0, "batch_size")]
    [InlineData(2_000, "batch_size")]
    public async Task ReadBatches_BadBatchSize_InvalidArgument(int batchSize, string field)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => data.ReadAllAsync(
            new ReadBatchesRequest
            {
                Name = "datasets/fashion/versions/1", Split = Split.Train, BatchSize = batchSize,
            }));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
    }

    [Fact]
    public async Task ReadBatches_MissingVersion_NotFound()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => data.ReadAllAsync(
            new ReadBatchesRequest { Name = "datasets/fashion/versions/9", Split = Split.Train, BatchSize = 10 }));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("datasets/fashion/versions/9", error.Status.Detail);
    }

    [Fact]
    public async Task Derive_SampleThenUnionThenSelect_RecordsLineageAndCounts()
    {
        await data.CreateFashionDatasetAsync("replay");

        var sample = await data.Raw.CreateDerivedDatasetVersionAsync(new CreateDerivedDatasetVersionRequest
        {
            Parent = "datasets/replay",
            Sample = new SampleDerivation
            {
                SourceVersion = "datasets/fashion/versions/1", ExamplesPerClass = 20, Seed = 1,
            },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var select = await data.Raw.CreateDerivedDatasetVersionAsync(new CreateDerivedDatasetVersionRequest
        {
            Parent = "datasets/replay",
            SelectClasses = new SelectClassesDerivation
            {
                SourceVersion = "datasets/fashion/versions/1", Classes = { 5 },
            },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var union = await data.Raw.CreateDerivedDatasetVersionAsync(new CreateDerivedDatasetVersionRequest
        {
            Parent = "datasets/replay",
            UnionOf = new UnionDerivation
            {
                SourceVersions = { sample.DatasetVersion.Name, select.DatasetVersion.Name },
            },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var sampled = sample.DatasetVersion;
        Assert.Equal(DerivationKind.Sample, sampled.Derivation.Kind);
        Assert.Equal(["datasets/fashion/versions/1"], sampled.Derivation.SourceVersions);
        Assert.All(sampled.Splits.Single().ClassCounts, c => Assert.Equal(20, c));
        Assert.Equal(labels.Count(l => l == 5), select.DatasetVersion.Splits.Single().ExampleCount);
        Assert.Equal(200 + labels.Count(l => l == 5), union.DatasetVersion.Splits.Single().ExampleCount);
        Assert.Equal([sampled.Name, select.DatasetVersion.Name], union.DatasetVersion.Derivation.SourceVersions);
        Assert.Equal("datasets/replay/versions/3", union.DatasetVersion.Name);
    }

    [Fact]
    public async Task Derive_SourceWithOtherSchema_FailedPreconditionSchemaMismatch()
    {
        await data.Raw.CreateDatasetAsync(new CreateDatasetRequest
        {
            DatasetId = "small",
            Dataset = new Dataset { Schema = new DatasetSchema { InputShape = { 10 }, ClassCount = 10 } },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var request = new CreateDerivedDatasetVersionRequest
        {
            Parent = "datasets/small",
            SelectClasses = new SelectClassesDerivation
            {
                SourceVersion = "datasets/fashion/versions/1",
                Classes = { 1 },
            },
        };

        var error = await Assert.ThrowsAsync<RpcException>(
            () => data.Raw.CreateDerivedDatasetVersionAsync(request).ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("SCHEMA_MISMATCH", RpcErrorDetails.ErrorInfoOf(error).Reason);
    }

    [Fact]
    public async Task DeleteDataset_WithVersionsWithoutForce_FailedPreconditionThenForceRemovesBlobs()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => data.Raw.DeleteDatasetAsync(
            new DeleteDatasetRequest { Name = "datasets/fashion" }).ResponseAsync.WaitAsync(TestEnvironment.Timeout));
        await data.Raw.DeleteDatasetAsync(new DeleteDatasetRequest { Name = "datasets/fashion", Force = true })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal("DATASET_HAS_VERSIONS", RpcErrorDetails.ErrorInfoOf(error).Reason);
        Assert.Empty(host.FilesUnder("blobs"));
        Assert.Empty((await data.Raw.ListDatasetsAsync(new ListDatasetsRequest())).Datasets);
    }
}
