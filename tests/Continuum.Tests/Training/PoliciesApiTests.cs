using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using Continuum.Training.V1;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Tests.Training;

/// <summary>Continual-learning policies: validation, and the loop from arrival to promotion on a real slice.</summary>
public sealed class PoliciesApiTests
{
    [Fact]
    public async Task TwoArrivals_ReplayPromotedTwiceNaiveRefusedForForgetting_RefusedArrivalLearnedWithTheNext()
    {
        var arrivals = new EventInbox<DatasetVersionCreated>();
        var aliases = new EventInbox<ModelAliasChanged>();
        await using var host = await RunningHost.StartAsync(Backend.Embedded, b =>
        {
            arrivals.AttachTo(b);
            aliases.AttachTo(b);
        });
        await new DataClient(host.Channel).CreateFashionDatasetAsync("fm");
        var policies = new PolicyClient(host.Channel);
        var naivePolicy = PolicyClient.Replay("fm", "fm-naive", maxForgetting: 0.2);
        naivePolicy.TrainingTemplate.Strategy = new ContinualStrategy { Naive = new NaiveStrategy() };
        var replay = await policies.CreateAsync("replay", PolicyClient.Replay("fm", "fm-replay", maxForgetting: 0.2));
        var naive = await policies.CreateAsync("naive", naivePolicy);

        var first = await policies.ArriveAsync("fm", 0, 1);
        await policies.WaitForRunsAsync(replay.Name, first);
        await policies.WaitForRunsAsync(naive.Name, first);
        var second = await policies.ArriveAsync("fm", 2, 3);
        var replayDone = await policies.WaitForRunsAsync(replay.Name, second);
        var naiveDone = await policies.WaitForRunsAsync(naive.Name, second);

        // The same event delivered again starts nothing.
        var again = await arrivals.WaitForAsync(e => e.DatasetVersion == second);
        await host.Services.GetRequiredService<IBus>().Publish(again);
        await Task.Delay(TimeSpan.FromSeconds(1));
        var jobs = await new TrainingClient(host.Channel).Raw.ListTrainingJobsAsync(
            new ListTrainingJobsRequest { Policy = replay.Name });
        var registry = new RegistryClient(host.Channel).Raw;
        var champion = (await registry.ResolveModelAliasAsync(
            new ResolveModelAliasRequest { Name = "models/fm-naive/aliases/champion" })).ModelVersion;
        var candidate = (await registry.GetModelVersionAsync(
            new GetModelVersionRequest { Name = "models/fm-replay/versions/2" })).ModelVersion;

        Assert.True(replayDone.RecentRuns.All(r => r.State == PolicyRunState.Promoted), replayDone.ToString());
        Assert.Equal(2, replayDone.RecentRuns.Count);
        Assert.Equal(["models/fm-replay/versions/2", "models/fm-replay/versions/1"],
            replayDone.RecentRuns.Select(r => r.ModelVersion));
        Assert.Equal([second, first], replayDone.RecentRuns.Select(r => r.DatasetVersion));
        Assert.Equal(2, jobs.TrainingJobs.Count);
        Assert.Equal("models/fm-replay/versions/1", candidate.Lineage.ParentModelVersion);
        Assert.Equal([first, second], candidate.Metrics.AccuracyMatrix.TaskDatasetVersions);
        Assert.Equal(2, candidate.Metrics.AccuracyMatrix.Rows.Count);
        Assert.Equal(replay.Name, candidate.Lineage.Policy);

        var refused = naiveDone.RecentRuns[0];
        Assert.Equal(PolicyRunState.Registered, refused.State);
        Assert.False(refused.Promoted);
        Assert.Equal("models/fm-naive/versions/2", refused.ModelVersion);
        Assert.Contains(refused.GateReasons, r => r.Contains(first, StringComparison.Ordinal));
        Assert.Equal("models/fm-naive/versions/1", champion.Name);
        var moved = aliases.Received.Where(a => a.ModelVersion.StartsWith("models/fm-replay/", StringComparison.Ordinal));
        Assert.Equal(["models/fm-replay/versions/1", "models/fm-replay/versions/2"], moved.Select(a => a.ModelVersion));

        // The refused arrival is not lost: the next run fine-tunes the champion on it and the new one together.
        var third = await policies.ArriveAsync("fm", 4, 5);
        var naiveThird = (await policies.WaitForRunsAsync(naive.Name, third)).RecentRuns[0];
        var replayThird = (await policies.WaitForRunsAsync(replay.Name, third)).RecentRuns[0];
        var training = new TrainingClient(host.Channel).Raw;
        var naiveJob = (await training.GetTrainingJobAsync(
            new GetTrainingJobRequest { Name = naiveThird.TrainingJob })).TrainingJob;
        var replayJob = (await training.GetTrainingJobAsync(
            new GetTrainingJobRequest { Name = replayThird.TrainingJob })).TrainingJob;
        Assert.Equal([second, third], naiveJob.Spec.TrainingDatasetVersions);
        Assert.Equal("models/fm-naive/versions/1", naiveJob.Spec.BaseModelVersion);
        Assert.Equal([first, second, third], naiveJob.Spec.EvaluationDatasetVersions);
        Assert.Equal([third], replayJob.Spec.TrainingDatasetVersions);
        Assert.Equal("models/fm-replay/versions/2", replayJob.Spec.BaseModelVersion);
    }

    [Fact]
    public async Task EwcPolicyOnClassIncrementalArrival_RunFailsWithTheGuardsReasonChampionStays()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        await new DataClient(host.Channel).CreateFashionDatasetAsync("fm");
        var policies = new PolicyClient(host.Channel);
        var ewc = PolicyClient.Replay("fm", "fm-ewc", maxForgetting: 1);
        ewc.TrainingTemplate.Strategy = new ContinualStrategy { Ewc = new EwcStrategy { PenaltyStrength = 10 } };
        var policy = await policies.CreateAsync("ewc", ewc);

        var first = await policies.ArriveAsync("fm", 0, 1);
        await policies.WaitForRunsAsync(policy.Name, first);
        var second = await policies.ArriveAsync("fm", 2, 3);
        var done = await policies.WaitForRunsAsync(policy.Name, second);
        var champion = (await new RegistryClient(host.Channel).Raw.ResolveModelAliasAsync(
            new ResolveModelAliasRequest { Name = "models/fm-ewc/aliases/champion" })).ModelVersion;

        var failed = done.RecentRuns[0];
        Assert.Equal(PolicyRunState.Failed, failed.State);
        Assert.Equal((int)StatusCode.FailedPrecondition, failed.Error.Code);
        Assert.Contains("ewc without replay is refused on a class-incremental arrival", failed.Error.Message);
        Assert.Equal("", failed.ModelVersion);
        Assert.Equal("models/fm-ewc/versions/1", champion.Name);
        Assert.Equal(PolicyRunState.Promoted, done.RecentRuns[1].State);
    }

    [Theory]
    [InlineData("policy_id")]
    [InlineData("policy.model")]
    [InlineData("policy.training_template.training_dataset_versions")]
    [InlineData("policy.training_template.register_model")]
    [InlineData("policy.training_template.optimizer.learning_rate")]
    [InlineData("policy.training_template.strategy.replay.buffer_size")]
    [InlineData("policy.training_template.architecture.mlp.dropout")]
    public async Task CreatePolicy_BadField_InvalidArgumentNamingIt(string field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        await new DataClient(host.Channel).CreateFashionDatasetAsync("fm");
        var policy = PolicyClient.Replay("fm", "fm-model", maxForgetting: 0.1);
        var id = "p1";
        switch (field)
        {
            case "policy_id": id = "../p"; break;
            case "policy.model": policy.Model = "models/A B"; break;
            case "policy.training_template.training_dataset_versions":
                policy.TrainingTemplate.TrainingDatasetVersions.Add("datasets/fm/versions/1"); break;
            case "policy.training_template.register_model": policy.TrainingTemplate.RegisterModel = "models/x"; break;
            case "policy.training_template.optimizer.learning_rate":
                policy.TrainingTemplate.Optimizer.LearningRate = -1; break;
            case "policy.training_template.architecture.mlp.dropout":
                policy.TrainingTemplate.Architecture.Mlp.Dropout = 2; break;
            default: policy.TrainingTemplate.Strategy.Replay.BufferSize = 0; break;
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => new PolicyClient(host.Channel).CreateAsync(id, policy));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, RpcErrorDetails.BadRequestOf(error).FieldViolations[0].Field);
    }

    [Fact]
    public async Task CreatePolicy_UnknownDatasetTwiceAndDelete_NotFoundAlreadyExistsAndGone()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        await new DataClient(host.Channel).CreateFashionDatasetAsync("fm");
        var policies = new PolicyClient(host.Channel);

        var missing = await Assert.ThrowsAsync<RpcException>(
            () => policies.CreateAsync("p1", PolicyClient.Replay("nothing", "m", 0.1)));
        var created = await policies.CreateAsync("p1", PolicyClient.Replay("fm", "m", 0.1));
        var twice = await Assert.ThrowsAsync<RpcException>(
            () => policies.CreateAsync("p1", PolicyClient.Replay("fm", "m", 0.1)));
        var gate = (await new RegistryClient(host.Channel).Raw.GetPromotionGateAsync(
            new GetPromotionGateRequest { Name = "models/m/promotionGate" })).PromotionGate;
        var listed = await policies.Raw.ListPoliciesAsync(new ListPoliciesRequest());
        await policies.Raw.DeletePolicyAsync(new DeletePolicyRequest { Name = created.Name });
        var gone = await Assert.ThrowsAsync<RpcException>(() => policies.GetAsync(created.Name));

        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        Assert.Contains("datasets/nothing", missing.Status.Detail);
        Assert.Equal("policies/p1", created.Name);
        Assert.Equal("datasets/fm", created.Dataset);
        Assert.Null(created.PromotionGate);
        Assert.Equal(StatusCode.AlreadyExists, twice.StatusCode);
        Assert.Equal(0.1, gate.MaxForgetting);
        Assert.Equal(["policies/p1"], listed.Policies.Select(p => p.Name));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }
}
