using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Registry;

/// <summary>Promotion gates through the API: stored gates, evaluations, gated alias moves and their events.</summary>
public sealed class PromotionGatesApiTests
{
    private const string Old = "datasets/fm/versions/1";
    private const string New = "datasets/fm/versions/2";
    private const string Champion = "models/fm/aliases/champion";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Promote_BetterOnNewSplitButForgetsOldBeyondBound_FailsNamingTheSplitAndChangesNothing(
        Backend backend)
    {
        var inbox = new EventInbox<ModelAliasChanged>();
        await using var host = await RunningHost.StartAsync(backend, inbox.AttachTo);
        var registry = new RegistryClient(host.Channel);
        await ChampionAndCandidateAsync(registry, candidateOnOld: 0.83);
        await SetGateAsync(registry, minImprovement: 0.01, maxForgetting: 0.05);

        var error = await Assert.ThrowsAsync<RpcException>(() => PromoteAsync(registry, "models/fm/versions/2"));
        await SetAliasAsync(registry, "models/fm/aliases/staging", "models/fm/versions/2");
        var resolved = await ResolveAsync(registry, Champion);
        using var watch = registry.Raw.WatchModelVersions(
            new WatchModelVersionsRequest { Parent = "models/fm", StartCursor = "0" });
        var changes = new List<WatchModelVersionsResponse>();
        for (var i = 0; i < 4; i++)
        {
            Assert.True(await watch.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout));
            changes.Add(watch.ResponseStream.Current);
        }

        await inbox.WaitForAsync(e => e.Alias == "models/fm/aliases/staging");

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var info = RpcErrorDetails.ErrorInfoOf(error);
        Assert.Equal("PROMOTION_GATE_FAILED", info.Reason);
        Assert.Equal("continuum.registry.v1.RegistryService", info.Domain);
        Assert.Equal(
            "models/fm/versions/2 did not pass the gate of alias champion: accuracy on datasets/fm/versions/1 fell by "
            + "0.120, more than the bound 0.050.",
            error.Status.Detail);
        Assert.Equal("models/fm/versions/1", resolved.Alias.ModelVersion);
        Assert.False(resolved.Alias.Gated);
        // Two versions, the champion set by hand, then the staging alias: no promotion in between.
        Assert.Equal(Champion, changes[2].ModelAliasChanged.Alias);
        Assert.Equal("models/fm/versions/1", changes[2].ModelAliasChanged.ModelVersion);
        Assert.Equal("models/fm/aliases/staging", changes[3].ModelAliasChanged.Alias);
        Assert.DoesNotContain(inbox.Received, e => e.Alias == Champion && e.ModelVersion == "models/fm/versions/2");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Promote_PassingGate_MovesAliasGatedAndPublishesOnceEvenWhenRetried(Backend backend)
    {
        var inbox = new EventInbox<ModelAliasChanged>();
        await using var host = await RunningHost.StartAsync(backend, inbox.AttachTo);
        var registry = new RegistryClient(host.Channel);
        await ChampionAndCandidateAsync(registry, candidateOnOld: 0.93);
        await SetGateAsync(registry, minImprovement: 0.01, maxForgetting: 0.05);

        var promoted = await PromoteAsync(registry, "models/fm/versions/2", "better on new data");
        var retried = await PromoteAsync(registry, "models/fm/versions/2", "again");
        var resolved = await ResolveAsync(registry, Champion);
        var published = await inbox.WaitForAsync(e => e.ModelVersion == "models/fm/versions/2");
        await SetAliasAsync(registry, "models/fm/aliases/staging", "models/fm/versions/1");
        await inbox.WaitForAsync(e => e.Alias == "models/fm/aliases/staging");

        Assert.Equal(Champion, promoted.Alias.Name);
        Assert.Equal("models/fm/versions/2", promoted.Alias.ModelVersion);
        Assert.True(promoted.Alias.Gated);
        Assert.Equal("better on new data", promoted.Alias.Reason);
        Assert.Equal("models/fm/versions/1", promoted.PreviousModelVersion);
        Assert.True(promoted.Evaluation.Passed);
        Assert.Equal(
            [GateCheckKind.NewDataImprovement, GateCheckKind.OldDataForgetting],
            promoted.Evaluation.Checks.Select(c => c.Kind));
        Assert.Equal(promoted.Alias, retried.Alias);
        Assert.Equal(promoted.Alias, resolved.Alias);
        Assert.True(published.Gated);
        Assert.Equal("better on new data", published.Reason);
        Assert.Equal("models/fm/versions/1", published.PreviousModelVersion);
        Assert.Single(inbox.Received, e => e.ModelVersion == "models/fm/versions/2" && e.Alias == Champion);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Promote_NoChampionYet_PassesWithNoChampionCheckAndCreatesTheAlias(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        await UploadAsync(registry, seed: 1);
        await SetGateAsync(registry, minImprovement: 0.5, maxForgetting: 0, alias: "production");

        var promoted = await PromoteAsync(registry, "models/fm/versions/1", "first");

        Assert.Equal("models/fm/aliases/production", promoted.Alias.Name);
        Assert.Equal("models/fm/versions/1", promoted.Alias.ModelVersion);
        Assert.True(promoted.Alias.Gated);
        Assert.Equal("", promoted.PreviousModelVersion);
        Assert.Equal("", promoted.Evaluation.ChampionVersion);
        Assert.Equal("production", promoted.Evaluation.Alias);
        var check = Assert.Single(promoted.Evaluation.Checks);
        Assert.Equal(GateCheckKind.NoChampion, check.Kind);
        Assert.Equal("alias production does not exist yet, so models/fm/versions/1 needs no comparison.", check.Reason);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Evaluate_ChampionLacksNewSplit_ComparesWithTheCandidatesBaselineAndChangesNothing(
        Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        await UploadAsync(registry, seed: 1, evaluations: [(Old, 0.95)]);
        await UploadAsync(registry, seed: 2, evaluations: [(Old, 0.94), (New, 0.90)], metrics: m => m.Baseline =
            new BaselineEvaluation { ModelVersion = "models/fm/versions/1", Evaluations = { Split(New, 0.72) } });
        await SetAliasAsync(registry, Champion, "models/fm/versions/1");

        var response = await registry.Raw.EvaluatePromotionGateAsync(
            new EvaluatePromotionGateRequest { Name = "models/fm/versions/2" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var resolved = await ResolveAsync(registry, Champion);

        var evaluation = response.Evaluation;
        Assert.True(evaluation.Passed);
        Assert.Equal("models/fm/versions/1", evaluation.ChampionVersion);
        var check = Assert.Single(evaluation.Checks);
        Assert.Equal((GateCheckKind.NewDataImprovement, New, 0.90, 0.72, 0.0, true),
            (check.Kind, check.DatasetVersion, check.CandidateValue, check.ChampionValue, check.Threshold,
                check.Passed));
        Assert.NotNull(evaluation.EvaluateTime);
        Assert.Equal("models/fm/versions/1", resolved.Alias.ModelVersion);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Promote_SizeAndLatencyBounds_TooBigAndSlowFailsSmallAndFastPasses(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        await UploadAsync(registry, seed: 1, size: 1000, evaluations: [(New, 0.80)]);
        await UploadAsync(registry, seed: 2, size: 2000, evaluations: [(New, 0.90)], metrics: m => m.LatencyMs = 7.5);
        await UploadAsync(registry, seed: 3, size: 1200, evaluations: [(New, 0.85)], metrics: m => m.LatencyMs = 4);
        await SetAliasAsync(registry, Champion, "models/fm/versions/1");
        await registry.Raw.SetPromotionGateAsync(new SetPromotionGateRequest
        {
            PromotionGate = new PromotionGate
            {
                Name = "models/fm/promotionGate", MaxSizeBytes = 1500, MaxLatencyMs = 5,
            },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var error = await Assert.ThrowsAsync<RpcException>(() => PromoteAsync(registry, "models/fm/versions/2"));
        var promoted = await PromoteAsync(registry, "models/fm/versions/3");

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Equal(
            "models/fm/versions/2 did not pass the gate of alias champion: the artifact is 2000 bytes, more than the "
            + "bound 1500 bytes; latency is 7.500 ms, more than the bound 5.000 ms.",
            error.Status.Detail);
        Assert.Equal("models/fm/versions/3", promoted.Alias.ModelVersion);
        Assert.Equal(
            [(GateCheckKind.Size, 1200.0, 1500.0), (GateCheckKind.Latency, 4.0, 5.0)],
            promoted.Evaluation.Checks.Skip(1).Select(c => (c.Kind, c.CandidateValue, c.Threshold)));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task SetPromotionGate_ThenGet_StoredWithDefaultsFilledIn(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");

        var before = await GetGateAsync(registry);
        var set = await SetGateAsync(registry, minImprovement: -0.01, maxForgetting: 0);
        var after = await GetGateAsync(registry);

        Assert.Equal(
            new PromotionGate { Name = "models/fm/promotionGate", Alias = "champion" }, before);
        Assert.Equal("models/fm/promotionGate", set.Name);
        Assert.Equal("champion", set.Alias);
        Assert.Equal(-0.01, set.MinImprovement);
        Assert.True(set.HasMaxForgetting);
        Assert.Equal(0.0, set.MaxForgetting);
        Assert.False(set.HasMaxSizeBytes);
        Assert.False(set.HasMaxLatencyMs);
        Assert.NotNull(set.UpdateTime);
        Assert.Equal(set, after);
    }

    [Theory]
    [InlineData("max_forgetting", 1.5)]
    [InlineData("max_forgetting", -0.1)]
    [InlineData("max_forgetting", double.NaN)]
    [InlineData("min_improvement", double.PositiveInfinity)]
    [InlineData("min_improvement", double.NaN)]
    [InlineData("max_size_bytes", -1.0)]
    [InlineData("max_latency_ms", -1.0)]
    [InlineData("max_latency_ms", double.PositiveInfinity)]
    [InlineData("alias", 0.0)]
    [InlineData("name", 0.0)]
    public async Task SetPromotionGate_BadValue_InvalidArgumentNamingTheField(string field, double value)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        var gate = new PromotionGate { Name = "models/fm/promotionGate" };
        switch (field)
        {
            case "max_forgetting": gate.MaxForgetting = value; break;
            case "min_improvement": gate.MinImprovement = value; break;
            case "max_size_bytes": gate.MaxSizeBytes = (long)value; break;
            case "max_latency_ms": gate.MaxLatencyMs = value; break;
            case "alias": gate.Alias = "Champion"; break;
            case "name": gate.Name = "models/fm/gate"; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.SetPromotionGateAsync(
            new SetPromotionGateRequest { PromotionGate = gate }).ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"promotion_gate.{field}", RpcErrorDetails.SingleViolation(error).Field);
        Assert.Equal(new PromotionGate { Name = "models/fm/promotionGate", Alias = "champion" },
            await GetGateAsync(registry));
    }

    [Fact]
    public async Task Gates_UnknownModelOrVersion_NotFoundNamingIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");

        var set = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.SetPromotionGateAsync(
            new SetPromotionGateRequest { PromotionGate = new PromotionGate { Name = "models/nothing/promotionGate" } })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));
        var get = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.GetPromotionGateAsync(
            new GetPromotionGateRequest { Name = "models/nothing/promotionGate" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));
        var evaluate = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.EvaluatePromotionGateAsync(
            new EvaluatePromotionGateRequest { Name = "models/fm/versions/9" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));
        var promote = await Assert.ThrowsAsync<RpcException>(() => PromoteAsync(registry, "models/fm/versions/9"));

        Assert.Equal(
            [
                (StatusCode.NotFound, "model 'models/nothing' was not found."),
                (StatusCode.NotFound, "model 'models/nothing' was not found."),
                (StatusCode.NotFound, "model version 'models/fm/versions/9' was not found."),
                (StatusCode.NotFound, "model version 'models/fm/versions/9' was not found."),
            ],
            new[] { set, get, evaluate, promote }.Select(e => (e.StatusCode, e.Status.Detail)));
    }

    /// <summary>fm v1 (the champion) and v2, both evaluated on the old and the new split.</summary>
    private static async Task ChampionAndCandidateAsync(RegistryClient registry, double candidateOnOld)
    {
        await registry.CreateModelAsync("fm");
        await UploadAsync(registry, seed: 1, evaluations: [(Old, 0.95), (New, 0.70)]);
        await UploadAsync(registry, seed: 2, evaluations: [(Old, candidateOnOld), (New, 0.90)]);
        await SetAliasAsync(registry, Champion, "models/fm/versions/1");
    }

    private static Task<CreateModelVersionResponse> UploadAsync(RegistryClient registry, int seed, int size = 1000,
        (string Dataset, double Accuracy)[]? evaluations = null, Action<ModelMetrics>? metrics = null) =>
        registry.UploadAsync("fm", RegistryClient.Artifact(size, seed), u =>
        {
            u.ModelVersion.Metrics = new ModelMetrics
            {
                Evaluations = { (evaluations ?? []).Select(e => Split(e.Dataset, e.Accuracy)) },
            };
            metrics?.Invoke(u.ModelVersion.Metrics);
        });

    private static SplitEvaluation Split(string dataset, double accuracy) =>
        new() { DatasetVersion = dataset, Split = Continuum.Data.V1.Split.Test, Accuracy = accuracy };

    private static async Task<PromotionGate> SetGateAsync(
        RegistryClient registry, double minImprovement, double maxForgetting, string alias = "")
    {
        var response = await registry.Raw.SetPromotionGateAsync(new SetPromotionGateRequest
        {
            PromotionGate = new PromotionGate
            {
                Name = "models/fm/promotionGate", Alias = alias, MinImprovement = minImprovement,
                MaxForgetting = maxForgetting,
            },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return response.PromotionGate;
    }

    private static async Task<PromotionGate> GetGateAsync(RegistryClient registry) =>
        (await registry.Raw.GetPromotionGateAsync(new GetPromotionGateRequest { Name = "models/fm/promotionGate" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout)).PromotionGate;

    private static Task<PromoteModelVersionResponse> PromoteAsync(
        RegistryClient registry, string version, string reason = "") =>
        registry.Raw.PromoteModelVersionAsync(new PromoteModelVersionRequest { Name = version, Reason = reason })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

    private static Task<SetModelAliasResponse> SetAliasAsync(RegistryClient registry, string alias, string version) =>
        registry.Raw.SetModelAliasAsync(new SetModelAliasRequest { Name = alias, ModelVersion = version })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

    private static Task<ResolveModelAliasResponse> ResolveAsync(RegistryClient registry, string alias) =>
        registry.Raw.ResolveModelAliasAsync(new ResolveModelAliasRequest { Name = alias })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
}
