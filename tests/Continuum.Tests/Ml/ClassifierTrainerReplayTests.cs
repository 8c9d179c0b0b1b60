using Continuum.Ml.Models;
using Continuum.Ml.Training;
using static TorchSharp.torch;

namespace Continuum.Tests.Ml;

/// <summary>Replayed examples in the training loop: what the objective sees, and resume with replay.</summary>
[Collection(TorchRandomCollection.Name)]
public sealed class ClassifierTrainerReplayTests
{
    private const int Features = 8;

    private static readonly TrainingOptions Adam = new(
        new OptimizerOptions(OptimizerKind.Adam, 0.01), BatchSize: 32, Epochs: 3, Seed: 11);

    [Fact]
    public void TrainEpoch_WithReplay_ObjectiveSeesEachBatchPlusTheReplayedExamples()
    {
        using var train = Examples(100, seed: 1, label: i => i % 4);
        using var buffer = Examples(10, seed: 2, label: _ => 9);
        using var model = NewModel();
        var recorder = new RecordingObjective();
        using var trainer = new ClassifierTrainer(model, Adam with { Epochs = 1 }, CPU, recorder, new(buffer, 8));

        trainer.TrainEpoch(train);

        Assert.Equal([40, 40, 40, 12], recorder.Batches.Select(b => b.Length));
        // The new examples come first (labels 0 to 3), the 8 remembered ones (label 9) after them.
        Assert.All(recorder.Batches, b => Assert.Equal(Enumerable.Repeat(9L, 8), b[^8..]));
        Assert.All(recorder.Batches, b => Assert.DoesNotContain(9L, b[..^8]));
        Assert.Equal(4, trainer.Step);
    }

    [Fact]
    public void TrainEpoch_EmptyBuffer_NewExamplesAlone()
    {
        using var train = Examples(100, seed: 1, label: i => i % 4);
        using var buffer = Examples(0, seed: 2, label: _ => 9);
        using var model = NewModel();
        var recorder = new RecordingObjective();
        using var trainer = new ClassifierTrainer(model, Adam with { Epochs = 1 }, CPU, recorder, new(buffer, 8));

        trainer.TrainEpoch(train);

        Assert.Equal([32, 32, 32, 4], recorder.Batches.Select(b => b.Length));
    }

    [Fact]
    public void TrainEpoch_BufferOfAnotherExampleShape_Refused()
    {
        using var train = Examples(100, seed: 1, label: i => i % 4);
        using var buffer = new ExampleSet(zeros(5, Features + 1), zeros(5, dtype: int64));
        using var model = NewModel();
        using var trainer = new ClassifierTrainer(model, Adam, CPU, replay: new(buffer, 8));

        Assert.Throws<ArgumentException>(() => trainer.TrainEpoch(train));
    }

    [Fact]
    public void LoadCheckpoint_WithReplayAfterOneEpoch_FinishesWithTheUninterruptedWeights()
    {
        using var train = Examples(200, seed: 1, label: i => i % 4);
        using var buffer = Examples(50, seed: 2, label: i => 4 + i % 6);
        using var uninterrupted = NewModel();
        using (var trainer = new ClassifierTrainer(uninterrupted, Adam, CPU, replay: new(buffer, 16)))
        {
            while (!trainer.IsFinished)
            {
                trainer.TrainEpoch(train);
            }
        }

        using var checkpoint = new MemoryStream();
        using (var dying = NewModel())
        using (var trainer = new ClassifierTrainer(dying, Adam, CPU, replay: new(buffer, 16)))
        {
            trainer.TrainEpoch(train);
            trainer.SaveCheckpoint(checkpoint);
        }

        using var resumed = NewModel(initSeed: 999);
        using (var trainer = new ClassifierTrainer(resumed, Adam, CPU, replay: new(buffer, 16)))
        {
            checkpoint.Position = 0;
            trainer.LoadCheckpoint(checkpoint);
            while (!trainer.IsFinished)
            {
                trainer.TrainEpoch(train);
            }
        }

        using var untrained = NewModel();
        Assert.Equal(Weights(uninterrupted), Weights(resumed));
        Assert.NotEqual(Weights(untrained), Weights(resumed));
    }

    /// <summary>
    /// Dropout on, so the test also shows the replay draws leave the dropout stream reproducible; the initial
    /// weights come from a generator of the test's own, whatever else has drawn from torch's global one.
    /// </summary>
    private static MlpClassifier NewModel(ulong initSeed = 5)
    {
        var model = new MlpClassifier(Features, [16], dropout: 0.2, classes: 10);
        using var generator = new Generator(initSeed);
        using (no_grad())
        {
            foreach (var parameter in model.parameters())
            {
                using var values = randn(parameter.shape, generator: generator);
                parameter.copy_(values.mul_(0.3f));
            }
        }

        return model;
    }

    private static ExampleSet Examples(int count, ulong seed, Func<int, long> label)
    {
        using var generator = new Generator(seed);
        return new ExampleSet(randn([count, Features], generator: generator),
            tensor(Enumerable.Range(0, count).Select(label).ToArray()));
    }

    private static float[] Weights(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    /// <summary>Cross-entropy that also keeps the labels of every batch it was given.</summary>
    private sealed class RecordingObjective : ITrainingObjective
    {
        public List<long[]> Batches { get; } = [];

        public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor logits, Tensor labels)
        {
            Assert.Equal(labels.shape[0], inputs.shape[0]);
            Batches.Add(labels.data<long>().ToArray());
            return nn.functional.cross_entropy(logits, labels);
        }
    }
}
