using Continuum.Data.V1;
using Continuum.Ml;
using Continuum.Ml.Continual;
using Continuum.Ml.Training;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using TorchSharp;
using static TorchSharp.torch;
using Device = TorchSharp.torch.Device;

namespace Continuum.Training.Worker;

/// <summary>What a continual-learning strategy changes in a job: the data, the start and the loss.</summary>
public sealed class StrategySetup : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    /// <summary>The dataset versions whose training splits the job trains on (joint: every task seen so far).</summary>
    public required IReadOnlyList<string> TrainingDatasetVersions { get; init; }

    /// <summary>Start from fresh weights even though there is a base version (joint training).</summary>
    public bool FromScratch { get; init; }

    /// <summary>The loss with the strategy's extra term; null for plain cross-entropy.</summary>
    public ITrainingObjective? Objective { get; private set; }

    /// <summary>Earlier examples mixed into every batch; null without replay.</summary>
    public ReplayMix? Replay { get; private set; }

    /// <summary>The buffer dataset version behind <see cref="Replay"/>; empty without replay.</summary>
    public string ReplayDatasetVersion { get; private set; } = "";

    internal T Own<T>(T disposable) where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    internal void UseObjective(ITrainingObjective objective) => Objective = objective;

    internal void UseReplay(ReplayMix replay, string bufferVersion)
    {
        Replay = replay;
        ReplayDatasetVersion = bufferVersion;
    }

    public void Dispose()
    {
        foreach (var item in Enumerable.Reverse(_owned))
        {
            item.Dispose();
        }
    }
}

/// <summary>
/// Prepares a job's strategy from its base version and that version's ancestry in the registry. Nothing is kept
/// between jobs: EWC recomputes the Fisher information of every earlier task at the weights its version ended
/// with, LwF distils from the base version itself, and replay rebuilds its buffer as seeded derived dataset
/// versions, so a job resumed on another worker prepares the very same strategy.
/// </summary>
public sealed class StrategyPreparation(ModelRegistration registry, ReplayBuffers buffers, ExampleCache examples)
{
    public const double DefaultTemperature = 2;
    public const double DefaultBatchFraction = 0.5;

    public async Task<StrategySetup> PrepareAsync(
        TrainingSpec spec, ModelVersion? baseVersion, IReadOnlyList<DatasetVersion> training, DatasetSchema schema,
        Device device, CancellationToken ct)
    {
        var names = training.Select(v => v.Name).ToList();
        var kind = spec.Strategy?.KindCase ?? ContinualStrategy.KindOneofCase.None;
        if (baseVersion is null)
        {
            // Nothing earlier to remember: every strategy is plain training on the first task.
            return new StrategySetup { TrainingDatasetVersions = names };
        }

        var ancestry = kind is ContinualStrategy.KindOneofCase.Joint or ContinualStrategy.KindOneofCase.Ewc
            or ContinualStrategy.KindOneofCase.Replay
            ? await registry.AncestryAsync(baseVersion, ct)
            : [baseVersion];
        if (kind == ContinualStrategy.KindOneofCase.Joint)
        {
            var seen = ancestry.AsEnumerable().Reverse().SelectMany(v => v.Lineage?.TrainingDatasetVersions ?? []);
            return new StrategySetup { TrainingDatasetVersions = seen.Concat(names).Distinct().ToList(), FromScratch = true };
        }

        var setup = new StrategySetup { TrainingDatasetVersions = names };
        try
        {
            switch (kind)
            {
                case ContinualStrategy.KindOneofCase.Replay:
                    await PrepareReplayAsync(setup, spec, ancestry, schema, ct);
                    break;
                case ContinualStrategy.KindOneofCase.Ewc:
                    await PrepareEwcAsync(setup, spec.Strategy!.Ewc, spec.Seed, ancestry, schema, device, ct);
                    break;
                case ContinualStrategy.KindOneofCase.Lwf:
                    var lwf = spec.Strategy!.Lwf;
                    var teacher = setup.Own(await LoadAsync(baseVersion, schema, device, ct));
                    setup.UseObjective(new DistillationObjective(teacher,
                        lwf.Temperature > 0 ? lwf.Temperature : DefaultTemperature,
                        lwf.DistillationWeight > 0 ? lwf.DistillationWeight : 1));
                    break;
            }

            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }

    private async Task PrepareReplayAsync(
        StrategySetup setup, TrainingSpec spec, List<ModelVersion> ancestry, DatasetSchema schema,
        CancellationToken ct)
    {
        if (await buffers.BuildAsync(spec, ancestry, schema, ct) is not { } buffer)
        {
            return;
        }

        var replay = spec.Strategy.Replay;
        var examplesSet = setup.Own(await examples.LoadAsync(buffer, Split.Train, schema.InputShape, ct));
        var fraction = replay.BatchFraction > 0 ? replay.BatchFraction : DefaultBatchFraction;
        setup.UseReplay(new ReplayMix(examplesSet, ReplayPlan.ReplayExamplesPerBatch(spec.BatchSize, fraction)),
            buffer.Name);
    }

    /// <summary>One anchor per earlier task: the weights its version ended with and their Fisher diagonal there.</summary>
    private async Task PrepareEwcAsync(
        StrategySetup setup, EwcStrategy ewc, long seed, List<ModelVersion> ancestry, DatasetSchema schema,
        Device device, CancellationToken ct)
    {
        var anchors = new List<EwcAnchor>();
        try
        {
            foreach (var version in Enumerable.Reverse(ancestry))
            {
                var trained = version.Lineage?.TrainingDatasetVersions ?? [];
                if (trained.Count == 0)
                {
                    continue;
                }

                using var model = await LoadAsync(version, schema, device, ct);
                using var data = await examples.LoadAllAsync(trained, Split.Train, schema.InputShape, ct);
                var fisher = FisherInformation.Diagonal(model, data, device, ewc.FisherSampleCount, seed);
                anchors.Add(new EwcAnchor(ParameterSnapshot.Of(model), fisher));
            }

            if (ewc.Online && anchors.Count > 1)
            {
                var online = EwcAnchor.Online(anchors, ewc.OnlineDecay > 0 ? ewc.OnlineDecay : 1);
                anchors.ForEach(a => a.Dispose());
                anchors = [online];
            }

            anchors.ForEach(a => setup.Own(a));
            setup.UseObjective(new EwcObjective(anchors, ewc.PenaltyStrength));
        }
        catch
        {
            anchors.ForEach(a => a.Dispose());
            throw;
        }
    }

    private async Task<nn.Module<Tensor, Tensor>> LoadAsync(
        ModelVersion version, DatasetSchema schema, Device device, CancellationToken ct)
    {
        var model = ModelFactory.Create(version.Architecture, schema.InputShape, version.ClassCount);
        using (var reader = new BinaryReader(new MemoryStream(await registry.DownloadAsync(version.Name, ct))))
        {
            model.load(reader);
        }

        model.to(device);
        model.eval();
        return model;
    }
}
