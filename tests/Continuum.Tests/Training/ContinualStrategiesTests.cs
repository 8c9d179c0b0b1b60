using Continuum.Data.V1;
using Continuum.Registry.V1;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using Continuum.Training.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Continuum.Tests.Training;

/// <summary>
/// Continual-learning strategies through the training service, on two class-incremental Fashion-MNIST tasks
/// (T-shirt and trouser, then pullover and dress) cut from a real slice.
/// </summary>
public sealed class ContinualStrategiesTests
{
    [Fact]
    public async Task SecondClassIncrementalTask_NaiveForgetsTheFirstReplayKeepsIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var (first, second) = await UploadTasksAsync(host.Channel);
        var training = new TrainingClient(host.Channel);
        var baseJob = await RunAsync(training, Spec(first, "models/fm-base"));

        var naive = await RunAsync(training, Spec(second, "models/fm-naive", baseJob.ModelVersion));
        var replaySpec = Spec(second, "models/fm-replay", baseJob.ModelVersion);
        replaySpec.Strategy = new ContinualStrategy { Replay = new ReplayStrategy { BufferSize = 200 } };
        var replay = await RunAsync(training, replaySpec);
        var registered = await VersionAsync(host.Channel, replay.ModelVersion);
        var buffer = (await new DataClient(host.Channel).Raw.GetDatasetVersionAsync(new GetDatasetVersionRequest
        {
            Name = registered.Lineage.ReplayDatasetVersion,
        })).DatasetVersion;

        Assert.Equal([first, second], naive.Spec.EvaluationDatasetVersions);
        var naiveOld = naive.Metrics.Evaluations[0].Accuracy;
        var replayOld = replay.Metrics.Evaluations[0].Accuracy;
        Assert.True(naiveOld < 0.3, $"naive kept {naiveOld:F3} on the first task");
        Assert.True(replayOld > 0.8, $"replay kept {replayOld:F3} on the first task");
        Assert.True(replay.Metrics.Evaluations[1].Accuracy > 0.8, $"replay learnt {replay.Metrics.Evaluations[1]}");
        Assert.Equal(2, registered.Metrics.AccuracyMatrix.Rows.Count);
        Assert.Equal(replayOld, registered.Metrics.AccuracyMatrix.Rows[1].Accuracies[0]);
        Assert.StartsWith("datasets/fm-replay/versions/", buffer.Name);
        Assert.Equal(DerivationKind.Sample, buffer.Derivation.Kind);
        Assert.Equal([first], buffer.Derivation.SourceVersions);
        var counts = buffer.Splits.Single(s => s.Split == Split.Train).ClassCounts;
        Assert.Equal([100L, 100, 0, 0, 0, 0, 0, 0, 0, 0], counts);
        Assert.Equal("replay", registered.Hyperparameters["strategy"]);
        Assert.Equal("200", registered.Hyperparameters["replay.buffer_size"]);
    }

    [Fact]
    public async Task EwcAloneOnClassIncrementalArrival_RefusedSayingWhyUnlessAllowed()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var (first, second) = await UploadTasksAsync(host.Channel);
        var training = new TrainingClient(host.Channel);
        var baseJob = await RunAsync(training, Spec(first, "models/fm-base"));
        var spec = Spec(second, "models/fm-ewc", baseJob.ModelVersion);
        spec.Strategy = new ContinualStrategy { Ewc = new EwcStrategy { PenaltyStrength = 100, FisherSampleCount = 200 } };

        var refused = await TrainingClient.FailsAsync(() => training.CreateAsync(spec));
        spec.AllowUnsafeScenario = true;
        var allowed = await RunAsync(training, spec);
        var registered = await VersionAsync(host.Channel, allowed.ModelVersion);

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("UNSAFE_STRATEGY_FOR_SCENARIO", RpcErrorDetails.ErrorInfoOf(refused).Reason);
        Assert.Contains($"ewc without replay is refused on a class-incremental arrival: {second} adds classes 2, 3",
            refused.Status.Detail);
        Assert.Contains("stops predicting the old ones", refused.Status.Detail);
        Assert.Contains("allow_unsafe_scenario", refused.Status.Detail);
        Assert.Equal(TrainingJobState.Succeeded, allowed.State);
        Assert.Equal("ewc", registered.Hyperparameters["strategy"]);
        Assert.Equal("100", registered.Hyperparameters["ewc.penalty_strength"]);
    }

    [Fact]
    public async Task JointAndLwf_SecondTask_JointTrainsOnBothTasksLwfDistilsFromTheBase()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var (first, second) = await UploadTasksAsync(host.Channel);
        var training = new TrainingClient(host.Channel);
        var baseJob = await RunAsync(training, Spec(first, "models/fm-base"));
        var jointSpec = Spec(second, "models/fm-joint", baseJob.ModelVersion);
        jointSpec.Strategy = new ContinualStrategy { Joint = new JointStrategy() };
        var lwfSpec = Spec(second, "models/fm-lwf", baseJob.ModelVersion);
        lwfSpec.Strategy = new ContinualStrategy { Lwf = new LwfStrategy() };
        lwfSpec.AllowUnsafeScenario = true;

        var joint = await RunAsync(training, jointSpec);
        var lwf = await RunAsync(training, lwfSpec);
        var jointVersion = await VersionAsync(host.Channel, joint.ModelVersion);
        var lwfVersion = await VersionAsync(host.Channel, lwf.ModelVersion);

        Assert.Equal([first, second], jointVersion.Lineage.TrainingDatasetVersions);
        Assert.Equal(baseJob.ModelVersion, jointVersion.Lineage.ParentModelVersion);
        Assert.All(joint.Metrics.Evaluations, e => Assert.True(e.Accuracy > 0.8, e.ToString()));
        Assert.Equal(TrainingJobState.Succeeded, lwf.State);
        Assert.Equal([second], lwfVersion.Lineage.TrainingDatasetVersions);
        Assert.Equal("2", lwfVersion.Hyperparameters["lwf.temperature"]);
        Assert.Equal("1", lwfVersion.Hyperparameters["lwf.distillation_weight"]);
    }

    [Theory]
    [InlineData("replay.buffer_size")]
    [InlineData("replay.batch_fraction")]
    [InlineData("ewc.penalty_strength")]
    [InlineData("ewc.fisher_sample_count")]
    [InlineData("lwf.temperature")]
    public async Task CreateTrainingJob_BadStrategyParameter_InvalidArgumentNamingIt(string field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var version = await TrainingClient.UploadSliceAsync(host.Channel, train: 100, test: 50);
        var spec = TrainingClient.MlpSpec(version);
        spec.Strategy = field switch
        {
            "replay.buffer_size" => new ContinualStrategy { Replay = new ReplayStrategy { BufferSize = 0 } },
            "replay.batch_fraction" => new ContinualStrategy
            {
                Replay = new ReplayStrategy { BufferSize = 10, BatchFraction = 1 },
            },
            "ewc.penalty_strength" => new ContinualStrategy { Ewc = new EwcStrategy { PenaltyStrength = -1 } },
            "ewc.fisher_sample_count" => new ContinualStrategy
            {
                Ewc = new EwcStrategy { PenaltyStrength = 1, FisherSampleCount = -5 },
            },
            _ => new ContinualStrategy { Lwf = new LwfStrategy { Temperature = double.NaN } },
        };

        var error = await TrainingClient.FailsAsync(() => new TrainingClient(host.Channel).CreateAsync(spec));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal($"training_job.spec.strategy.{field}",
            RpcErrorDetails.BadRequestOf(error).FieldViolations[0].Field);
    }

    /// <summary>Dataset <c>fm</c>: version 1 holds classes 0 and 1 of a 6,000-example slice, version 2 classes 2, 3.</summary>
    private static async Task<(string First, string Second)> UploadTasksAsync(GrpcChannel channel)
    {
        var data = new DataClient(channel);
        await data.CreateFashionDatasetAsync("fm");
        var (trainPixels, trainLabels) =
            FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 6000);
        var (testPixels, testLabels) = FashionMnist.ReadSlice(FashionMnist.TestImages, FashionMnist.TestLabels, 1000);
        var parts = DataClient.IdxParts(trainPixels, trainLabels, testPixels, testLabels);
        var first = await data.UploadAsync("fm", DataFormat.Idx, parts, m => m.KeepClasses.Add([0, 1]));
        var second = await data.UploadAsync("fm", DataFormat.Idx, parts, m => m.KeepClasses.Add([2, 3]));
        return (first.DatasetVersion.Name, second.DatasetVersion.Name);
    }

    private static TrainingSpec Spec(string version, string model, string baseVersion = "")
    {
        var spec = TrainingClient.MlpSpec(version, epochs: 3);
        spec.RegisterModel = model;
        spec.BaseModelVersion = baseVersion;
        return spec;
    }

    private static async Task<TrainingJob> RunAsync(TrainingClient training, TrainingSpec spec)
    {
        var queued = await training.CreateAsync(spec);
        var job = await training.WaitForAsync(queued.Name, j => j.State == TrainingJobState.Succeeded);
        Assert.True(job.State == TrainingJobState.Succeeded, job.Error?.ToString());
        return job;
    }

    private static async Task<ModelVersion> VersionAsync(GrpcChannel channel, string name) =>
        (await new RegistryClient(channel).Raw.GetModelVersionAsync(new GetModelVersionRequest { Name = name })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout)).ModelVersion;
}
