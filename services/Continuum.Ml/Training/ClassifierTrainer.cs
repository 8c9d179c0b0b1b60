using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Continuum.Ml.Training;

/// <summary>One optimizer step's figures, reported every few steps.</summary>
public sealed record StepReport(
    int Epoch, long Step, long StepsPerEpoch, double Loss, double LearningRate, double SamplesPerSecond);

/// <summary>One finished epoch's figures.</summary>
public sealed record EpochReport(
    int Epoch, long Step, double MeanLoss, double LearningRate, double SamplesPerSecond, TimeSpan Elapsed);

/// <summary>Accuracy and mean cross-entropy of a model on a set of examples.</summary>
public sealed record SplitScore(double Accuracy, double Loss, long ExampleCount);

/// <summary>
/// The training loop for a classifier: seeded shuffling, one optimizer step per batch with every intermediate
/// tensor disposed at the end of the batch, a per-epoch learning rate, a loss that must stay finite, and
/// checkpoints at epoch boundaries that resume to the same weights as an uninterrupted run.
/// </summary>
/// <remarks>
/// Randomness is reseeded from (seed, epoch) at the start of every epoch, for the shuffle and for dropout, so
/// that an epoch's random stream does not depend on what ran before it in this process. That is what lets a
/// worker that picks up a checkpoint reproduce the epochs the dead worker would have run. Replayed examples are
/// drawn from a generator of their own, seeded the same way, so they neither shift nor depend on the shuffle.
/// </remarks>
public sealed class ClassifierTrainer : IDisposable
{
    private const string StateEntry = "state.json";
    private const string ModelEntry = "model.bin";
    private const string OptimizerEntry = "optimizer.bin";

    private readonly nn.Module<Tensor, Tensor> _model;
    private readonly TrainingOptions _options;
    private readonly Device _device;
    private readonly ITrainingObjective _objective;
    private readonly OptimizerHelper _optimizer;
    private readonly ReplayMix? _replay;

    /// <param name="model">Already on <paramref name="device"/>. Parameters with requires_grad off stay fixed.</param>
    /// <param name="options">Optimizer, batch size, epochs and seed.</param>
    /// <param name="device">Where batches are moved for training.</param>
    /// <param name="objective">The loss of a batch; cross-entropy when null.</param>
    /// <param name="replay">Remembered examples to mix into every batch; none when null. Steps per epoch stay
    /// those of the new data.</param>
    public ClassifierTrainer(
        nn.Module<Tensor, Tensor> model, TrainingOptions options, Device device, ITrainingObjective? objective = null,
        ReplayMix? replay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(replay?.ExamplesPerBatch ?? 0, nameof(replay));
        _model = model;
        _options = options;
        _device = device;
        _objective = objective ?? CrossEntropyObjective.Instance;
        _replay = replay is { IsActive: true } ? replay : null;
        _optimizer = CreateOptimizer(model.parameters().Where(p => p.requires_grad).ToList(), options.Optimizer);
    }

    /// <summary>Epochs finished so far, counting those restored from a checkpoint.</summary>
    public int CompletedEpochs { get; private set; }

    /// <summary>Optimizer steps taken so far, counting those restored from a checkpoint.</summary>
    public long Step { get; private set; }

    public bool IsFinished => CompletedEpochs >= _options.Epochs;

    /// <summary>Batches in one epoch over <paramref name="count"/> examples; the last batch may be smaller.</summary>
    public long StepsPerEpoch(long count) => (count + _options.BatchSize - 1) / _options.BatchSize;

    /// <summary>Runs the next epoch. Cancellation is honoured between batches.</summary>
    /// <exception cref="NonFiniteLossException">The loss of a batch was NaN or infinite.</exception>
    public EpochReport TrainEpoch(
        ExampleSet train, Action<StepReport>? onStep = null, int reportEvery = 50, CancellationToken ct = default)
    {
        if (IsFinished)
        {
            throw new InvalidOperationException($"All {_options.Epochs} epochs are done.");
        }

        var epoch = CompletedEpochs;
        var rate = _options.EffectiveSchedule.LearningRateAt(_options.Optimizer.LearningRate, epoch, _options.Epochs);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate = rate;
        }

        _model.train();
        var epochSeed = EpochSeed(epoch);
        // TODO: dropout draws from torch's one generator per process, so two jobs training at once in one process
        // (worker concurrency above 1) reproduce their weights only without dropout; the order and the replay
        // mix have generators of their own.
        random.manual_seed(epochSeed);
        using var generator = new Generator((ulong)epochSeed);
        using var order = randperm(train.Count, generator: generator);
        _replay?.CheckShape(train);
        using var replayGenerator = _replay is null ? null : ReplayMix.EpochGenerator(epochSeed);

        var steps = StepsPerEpoch(train.Count);
        var clock = Stopwatch.StartNew();
        var lossSum = 0.0;
        for (long batch = 0; batch < steps; batch++)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var start = batch * _options.BatchSize;
            var indices = order.narrow(0, start, Math.Min(_options.BatchSize, train.Count - start));
            var inputs = train.Features.index_select(0, indices);
            var labels = train.Labels.index_select(0, indices);
            if (_replay is not null)
            {
                (inputs, labels) = _replay.Append(inputs, labels, replayGenerator!);
            }

            inputs = inputs.to(_device);
            labels = labels.to(_device);

            var loss = _objective.Loss(_model, inputs, _model.forward(inputs), labels);
            var value = loss.item<float>();
            if (!float.IsFinite(value))
            {
                throw new NonFiniteLossException(epoch, Step, value);
            }

            _optimizer.zero_grad();
            loss.backward();
            _optimizer.step();
            Step++;
            lossSum += value * indices.shape[0];
            if (onStep is not null && (batch + 1) % reportEvery == 0)
            {
                var seen = (batch + 1) * _options.BatchSize;
                onStep(new StepReport(epoch, Step, steps, value, rate, seen / clock.Elapsed.TotalSeconds));
            }
        }

        CompletedEpochs++;
        return new EpochReport(epoch, Step, lossSum / train.Count, rate, train.Count / clock.Elapsed.TotalSeconds,
            clock.Elapsed);
    }

    /// <summary>Accuracy and mean loss on <paramref name="examples"/>, in evaluation mode without gradients.</summary>
    public static SplitScore Evaluate(
        nn.Module<Tensor, Tensor> model, ExampleSet examples, Device device, int batchSize = 1000)
    {
        model.eval();
        using var noGrad = no_grad();
        long correct = 0;
        var lossSum = 0.0;
        for (long start = 0; start < examples.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var length = Math.Min(batchSize, examples.Count - start);
            var inputs = examples.Features.narrow(0, start, length).to(device);
            var labels = examples.Labels.narrow(0, start, length).to(device);
            var logits = model.forward(inputs);
            correct += logits.argmax(1).eq(labels).sum().item<long>();
            lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
        }

        return examples.Count == 0
            ? new SplitScore(0, 0, 0)
            : new SplitScore((double)correct / examples.Count, lossSum / examples.Count, examples.Count);
    }

    /// <summary>
    /// Writes the weights, the optimizer's state and the position (epoch, step) as one zip. The random state
    /// needs no saving: it is derived from the seed and the epoch.
    /// </summary>
    public void SaveCheckpoint(Stream destination)
    {
        using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        using (var state = zip.CreateEntry(StateEntry).Open())
        {
            JsonSerializer.Serialize(state, new CheckpointState(CompletedEpochs, Step, _options.Seed));
        }

        using (var writer = new BinaryWriter(zip.CreateEntry(ModelEntry, CompressionLevel.NoCompression).Open()))
        {
            _model.save(writer);
        }

        using (var writer = new BinaryWriter(zip.CreateEntry(OptimizerEntry, CompressionLevel.NoCompression).Open()))
        {
            _optimizer.save_state_dict(writer);
        }
    }

    /// <summary>Restores a checkpoint written by <see cref="SaveCheckpoint"/> for the same model and options.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is not one of this trainer's.</exception>
    public void LoadCheckpoint(Stream source)
    {
        using var zip = new ZipArchive(source, ZipArchiveMode.Read, leaveOpen: true);
        var state = JsonSerializer.Deserialize<CheckpointState>(ReadEntry(zip, StateEntry))
            ?? throw new InvalidDataException("The checkpoint has no state.");
        if (state.Seed != _options.Seed || state.Epoch > _options.Epochs)
        {
            throw new InvalidDataException(
                $"The checkpoint (seed {state.Seed}, epoch {state.Epoch}) was not written by this job " +
                $"(seed {_options.Seed}, {_options.Epochs} epochs).");
        }

        using (var reader = new BinaryReader(ReadEntry(zip, ModelEntry)))
        {
            _model.load(reader);
        }

        using (var reader = new BinaryReader(ReadEntry(zip, OptimizerEntry)))
        {
            _optimizer.load_state_dict(reader);
        }

        CompletedEpochs = state.Epoch;
        Step = state.Step;
    }

    public void Dispose() => _optimizer.Dispose();

    private long EpochSeed(int epoch) => unchecked(_options.Seed * 1_000_003 + epoch + 1);

    // TorchSharp reads saved tensors sequentially but wants a stream it can measure; zip entries cannot be.
    private static MemoryStream ReadEntry(ZipArchive zip, string name)
    {
        var entry = zip.GetEntry(name) ?? throw new InvalidDataException($"The checkpoint has no {name}.");
        var copy = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(copy);
        }

        copy.Position = 0;
        return copy;
    }

    private static OptimizerHelper CreateOptimizer(IList<Parameter> parameters, OptimizerOptions options) =>
        options.Kind switch
        {
            OptimizerKind.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum,
                weight_decay: options.WeightDecay),
            OptimizerKind.Adam => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, options.LearningRate,
                weight_decay: options.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "Unknown optimizer."),
        };

    private sealed record CheckpointState(int Epoch, long Step, long Seed);
}
