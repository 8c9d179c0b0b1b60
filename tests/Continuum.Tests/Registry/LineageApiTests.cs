using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Registry;

/// <summary>
/// GetLineage on a chain fm v1 -> fm v2 (fine-tuned on a new dataset version) -> fm-small v1 (compressed).
/// </summary>
public sealed class LineageApiTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task GetLineage_MiddleOfChain_AncestorsTransitivelyAndDescendantInOtherModel(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await CreateChainAsync(registry);

        var lineage = await GetAsync(registry, "models/fm/versions/2");

        Assert.Equal(
            [
                ("datasets/fm/versions/2", "models/fm/versions/2", LineageRelation.TrainedOn, 1),
                ("datasets/fm/versions/9", "models/fm/versions/2", LineageRelation.EvaluatedOn, 1),
                ("models/fm/versions/1", "models/fm/versions/2", LineageRelation.ParentVersion, 1),
                ("trainingJobs/tune-2", "models/fm/versions/2", LineageRelation.TrainingJob, 1),
                ("policies/nightly", "models/fm/versions/2", LineageRelation.Policy, 1),
                ("datasets/fm/versions/1", "models/fm/versions/1", LineageRelation.TrainedOn, 2),
                ("trainingJobs/train-1", "models/fm/versions/1", LineageRelation.TrainingJob, 2),
            ],
            lineage.Ancestors.Select(Tuple));
        Assert.Equal(
            [("models/fm/versions/2", "models/fm-small/versions/1", LineageRelation.ParentVersion, 1)],
            lineage.Descendants.Select(Tuple));
    }

    [Fact]
    public async Task GetLineage_MaxDepthOne_OnlyDirectLinksEachWay()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await CreateChainAsync(registry);

        var fromMiddle = await GetAsync(registry, "models/fm/versions/2", maxDepth: 1);
        var fromRoot = await GetAsync(registry, "models/fm/versions/1", maxDepth: 1);

        Assert.Equal(5, fromMiddle.Ancestors.Count);
        Assert.All(fromMiddle.Ancestors, e => Assert.Equal(1, e.Depth));
        Assert.DoesNotContain(fromMiddle.Ancestors, e => e.Upstream == "datasets/fm/versions/1");
        Assert.Equal(
            [("models/fm/versions/1", "models/fm/versions/2", LineageRelation.ParentVersion, 1)],
            fromRoot.Descendants.Select(Tuple));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task GetLineage_Root_DescendantsNearestFirstAcrossModels(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await CreateChainAsync(registry);

        var lineage = await GetAsync(registry, "models/fm/versions/1");

        Assert.Equal(
            [
                ("datasets/fm/versions/1", "models/fm/versions/1", LineageRelation.TrainedOn, 1),
                ("trainingJobs/train-1", "models/fm/versions/1", LineageRelation.TrainingJob, 1),
            ],
            lineage.Ancestors.Select(Tuple));
        Assert.Equal(
            [
                ("models/fm/versions/1", "models/fm/versions/2", LineageRelation.ParentVersion, 1),
                ("models/fm/versions/2", "models/fm-small/versions/1", LineageRelation.ParentVersion, 2),
            ],
            lineage.Descendants.Select(Tuple));
    }

    [Fact]
    public async Task GetLineage_ParentDeleted_ListsTheParentButStopsThere()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await CreateChainAsync(registry);
        await registry.Raw.DeleteModelVersionAsync(new DeleteModelVersionRequest { Name = "models/fm/versions/2" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var child = await GetAsync(registry, "models/fm-small/versions/1");
        var root = await GetAsync(registry, "models/fm/versions/1");

        Assert.Equal(
            [
                ("models/fm/versions/2", "models/fm-small/versions/1", LineageRelation.ParentVersion, 1),
                ("compressionJobs/int8-1", "models/fm-small/versions/1", LineageRelation.CompressionJob, 1),
            ],
            child.Ancestors.Select(Tuple));
        Assert.Empty(root.Descendants);
    }

    [Theory]
    [InlineData("models/fm/versions/1", -1, StatusCode.InvalidArgument, "max_depth")]
    [InlineData("models/fm/aliases/x", 0, StatusCode.InvalidArgument, "name")]
    [InlineData("models/fm/versions/9", 0, StatusCode.NotFound, null)]
    public async Task GetLineage_BadRequest_ErrorNamesTheFieldOrVersion(
        string name, int maxDepth, StatusCode code, string? field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        await registry.UploadAsync("fm", RegistryClient.Artifact(100, seed: 1));

        var error = await Assert.ThrowsAsync<RpcException>(() => GetAsync(registry, name, maxDepth));

        Assert.Equal(code, error.StatusCode);
        if (field is not null)
        {
            Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
        }
        else
        {
            Assert.Equal("model version 'models/fm/versions/9' was not found.", error.Status.Detail);
        }
    }

    private static async Task CreateChainAsync(RegistryClient registry)
    {
        await registry.CreateModelAsync("fm");
        await registry.CreateModelAsync("fm-small");
        await registry.UploadAsync("fm", RegistryClient.Artifact(100, seed: 1), u => u.ModelVersion.Lineage =
            new ModelVersionLineage
            {
                TrainingDatasetVersions = { "datasets/fm/versions/1" }, TrainingJob = "trainingJobs/train-1",
            });
        await registry.UploadAsync("fm", RegistryClient.Artifact(100, seed: 2), u => u.ModelVersion.Lineage =
            new ModelVersionLineage
            {
                TrainingDatasetVersions = { "datasets/fm/versions/2" },
                EvaluationDatasetVersions = { "datasets/fm/versions/9" },
                ParentModelVersion = "models/fm/versions/1",
                TrainingJob = "trainingJobs/tune-2",
                Policy = "policies/nightly",
            });
        await registry.UploadAsync("fm-small", RegistryClient.Artifact(50, seed: 3), u => u.ModelVersion.Lineage =
            new ModelVersionLineage
            {
                ParentModelVersion = "models/fm/versions/2", CompressionJob = "compressionJobs/int8-1",
            });
    }

    private static async Task<GetLineageResponse> GetAsync(RegistryClient registry, string name, int maxDepth = 0) =>
        await registry.Raw.GetLineageAsync(new GetLineageRequest { Name = name, MaxDepth = maxDepth })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

    private static (string, string, LineageRelation, int) Tuple(LineageEdge edge) =>
        (edge.Upstream, edge.Downstream, edge.Relation, edge.Depth);
}
