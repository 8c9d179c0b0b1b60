using Continuum.Ml;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using Continuum.Training.V1;
using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Tests.Training;

/// <summary>Jobs that start from a registered version, and jobs that must reproduce one another.</summary>
public sealed class FineTuningTests
{
    [Fact]
    public async Task CreateTrainingJob_SameSeedAndDataTwice_SameArtifactHash()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var version = await TrainingClient.UploadSliceAsync(host.Channel, train: 600, test: 100);
        var training = new TrainingClient(host.Channel);
        var registry = new RegistryClient(host.Channel);

        var first = await RunAsync(training, TrainingClient.MlpSpec(version, epochs: 2));
        var second = await RunAsync(training, TrainingClient.MlpSpec(version, epochs: 2));
        var versions = await registry.ListVersionsAsync("fm-mlp");

        Assert.Equal(["models/fm-mlp/versions/1", "models/fm-mlp/versions/2"], versions.Select(v => v.Name));
        Assert.Equal(versions[0].Artifact.Sha256, versions[1].Artifact.Sha256);
        Assert.Equal(first.Metrics.Evaluations[0].Accuracy, second.Metrics.Evaluations[0].Accuracy);
    }

    [Fact]
    public async Task CreateTrainingJob_FromChampionWithFrozenLayer_KeepsItAndRecordsLineage()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var version = await TrainingClient.UploadSliceAsync(host.Channel, train: 600, test: 100);
        var training = new TrainingClient(host.Channel);
        var registry = new RegistryClient(host.Channel);
        var baseJob = await RunAsync(training, TrainingClient.MlpSpec(version, epochs: 1));
        await registry.Raw.SetModelAliasAsync(new SetModelAliasRequest
        {
            Name = "models/fm-mlp/aliases/champion", ModelVersion = baseJob.ModelVersion,
        });

        var spec = TrainingClient.MlpSpec(version, epochs: 1);
        spec.BaseModelVersion = "models/fm-mlp/aliases/champion";
        spec.FrozenLayers.Add("_layers.fc0.weight");
        var tuned = await RunAsync(training, spec);
        var child = (await registry.Raw.GetModelVersionAsync(
            new GetModelVersionRequest { Name = tuned.ModelVersion })).ModelVersion;
        var parent = await LoadAsync(registry, baseJob.ModelVersion);
        var weights = await LoadAsync(registry, tuned.ModelVersion);

        Assert.Equal("models/fm-mlp/versions/1", tuned.Spec.BaseModelVersion);
        Assert.Equal("models/fm-mlp/versions/1", child.Lineage.ParentModelVersion);
        Assert.Equal("models/fm-mlp/versions/1", child.Metrics.Baseline.ModelVersion);
        Assert.Equal(baseJob.Metrics.Evaluations[0].Accuracy, child.Metrics.Baseline.Evaluations[0].Accuracy, 6);
        Assert.Equal(2, child.Metrics.AccuracyMatrix.Rows.Count);
        Assert.Equal(parent["_layers.fc0.weight"], weights["_layers.fc0.weight"]);
        Assert.NotEqual(parent["_layers.out.weight"], weights["_layers.out.weight"]);
    }

    [Fact]
    public async Task CreateTrainingJob_FrozenLayerWithoutBaseOrUnknown_InvalidArgumentNamingIt()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var version = await TrainingClient.UploadSliceAsync(host.Channel, train: 200, test: 50);
        var training = new TrainingClient(host.Channel);
        var noBase = TrainingClient.MlpSpec(version);
        noBase.FrozenLayers.Add("_layers.fc0.weight");

        var error = await TrainingClient.FailsAsync(() => training.CreateAsync(noBase));

        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("training_job.spec.frozen_layers", RpcErrorDetails.SingleViolation(error).Field);
    }

    private static async Task<TrainingJob> RunAsync(TrainingClient training, TrainingSpec spec)
    {
        var job = await training.CreateAsync(spec);
        var done = await training.WaitForAsync(job.Name, j => TrainingClient.IsFinal(j.State));
        Assert.True(done.State == TrainingJobState.Succeeded, done.Error?.ToString());
        return done;
    }

    /// <summary>A registered MLP's parameters by name, as flat arrays.</summary>
    private static async Task<Dictionary<string, float[]>> LoadAsync(RegistryClient registry, string name)
    {
        var chunks = await registry.DownloadAsync(name);
        var version = (await registry.Raw.GetModelVersionAsync(new GetModelVersionRequest { Name = name }))
            .ModelVersion;
        using var model = ModelFactory.Create(version.Architecture, version.InputShape, version.ClassCount);
        using (var reader = new BinaryReader(new MemoryStream(chunks.SelectMany(c => c.Data.ToByteArray()).ToArray())))
        {
            model.load(reader);
        }

        return model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
    }
}
