using Continuum.Data.V1;
using Continuum.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace Continuum.Tests.Data;

/// <summary>Datasets (not their versions) through a real channel, on both backends.</summary>
public sealed class DatasetsApiTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task CreateDataset_ThenGetAndList_ReturnsItsSchema(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var data = new DataClient(host.Channel);

        var created = await data.CreateFashionDatasetAsync("fashion");
        var got = await data.Raw.GetDatasetAsync(new GetDatasetRequest { Name = "datasets/fashion" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var listed = await data.Raw.ListDatasetsAsync(new ListDatasetsRequest())
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        Assert.Equal("datasets/fashion", created.Name);
        Assert.Equal([28, 28], got.Dataset.Schema.InputShape);
        Assert.Equal(10, got.Dataset.Schema.ClassCount);
        Assert.Equal(0, got.Dataset.VersionCount);
        Assert.Equal(["datasets/fashion"], listed.Datasets.Select(d => d.Name));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("Fashion")]
    [InlineData("fa\u0001shion")]
    [InlineData("%2e%2e")]
    [InlineData("a..b")]
    [InlineData("-leading-dash")]
    [InlineData("caf\u00e9")]
    public async Task CreateDataset_IdBreaksNamingRule_InvalidArgumentOnDatasetId(string id)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => data.CreateFashionDatasetAsync(id));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("dataset_id", RpcErrorDetails.SingleViolation(error).Field);
        Assert.Empty((await data.Raw.ListDatasetsAsync(new ListDatasetsRequest())).Datasets);
    }

    [Fact]
    public async Task CreateDataset_Twice_AlreadyExistsNamingIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");

        var error = await Assert.ThrowsAsync<RpcException>(() => data.CreateFashionDatasetAsync("fashion"));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("datasets/fashion", error.Status.Detail);
    }

    [Theory]
    [InlineData(new int[0], 10, "dataset.schema.input_shape")]
    [InlineData(new[] { 28, 0 }, 10, "dataset.schema.input_shape")]
    [InlineData(new[] { 28, 28 }, 1, "dataset.schema.class_count")]
    public async Task CreateDataset_BadSchema_InvalidArgumentOnTheField(int[] shape, int classes, string field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var client = new DataService.DataServiceClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CreateDatasetAsync(new CreateDatasetRequest
        {
            DatasetId = "bad",
            Dataset = new Dataset { Schema = new DatasetSchema { InputShape = { shape }, ClassCount = classes } },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
    }

    [Theory]
    [InlineData("a,a,c")]
    [InlineData("b,0,a")]
    public async Task CreateDataset_AmbiguousClassNames_InvalidArgumentOnClassNames(string names)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var client = new DataService.DataServiceClient(host.Channel);
        var schema = new DatasetSchema { InputShape = { 4 }, ClassCount = 3, ClassNames = { names.Split(',') } };

        var error = await Assert.ThrowsAsync<RpcException>(() => client.CreateDatasetAsync(
            new CreateDatasetRequest { DatasetId = "bad", Dataset = new Dataset { Schema = schema } })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal("dataset.schema.class_names", RpcErrorDetails.SingleViolation(error).Field);
    }

    [Fact]
    public async Task ListDatasets_PagesOfTwo_ReturnEveryDatasetOnceInNameOrder()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        foreach (var id in new[] { "e", "a", "d", "c", "b" })
        {
            await data.CreateFashionDatasetAsync(id);
        }

        var names = new List<string>();
        var request = new ListDatasetsRequest { PageSize = 2 };
        do
        {
            var page = await data.Raw.ListDatasetsAsync(request).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
            Assert.True(page.Datasets.Count <= 2);
            names.AddRange(page.Datasets.Select(d => d.Name));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        Assert.Equal(["datasets/a", "datasets/b", "datasets/c", "datasets/d", "datasets/e"], names);
    }

    [Fact]
    public async Task GetDataset_Missing_NotFoundNamingIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var client = new DataService.DataServiceClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(
            () => client.GetDatasetAsync(new GetDatasetRequest { Name = "datasets/nope" })
                .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("datasets/nope", error.Status.Detail);
    }

    [Fact]
    public async Task UpdateDataset_DescriptionInMask_ChangesOnlyIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("fashion");

        var updated = await data.Raw.UpdateDatasetAsync(new UpdateDatasetRequest
        {
            Dataset = new Dataset { Name = "datasets/fashion", Description = "Zalando's article images" },
            UpdateMask = new FieldMask { Paths = { "description" } },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        Assert.Equal("Zalando's article images", updated.Dataset.Description);
        Assert.Equal(10, updated.Dataset.Schema.ClassCount);
    }
}
