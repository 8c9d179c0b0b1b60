using Continuum.Ml;
using Continuum.Ml.Models;
using Continuum.Ml.Training;
using Continuum.Tests.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Continuum.Tests.Ml;

/// <summary>The training loop on real Fashion-MNIST slices: accuracy, reproducibility, resume, failures.</summary>
[Collection(TorchRandomCollection.Name)]
public sealed class ClassifierTrainerTests
{
    private static readonly TrainingOptions Adam = new(
        new OptimizerOptions(OptimizerKind.Adam, 0.001), BatchSize: 64, Epochs: 3, Seed: 7);

    [Fact]
    public void TrainEpoch_MlpOnFashionMnistSlice_TestAccuracyAboveSeventyFivePercent()
    {
        using var train = Slice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 6000);
        using var test = Slice(FashionMnist.TestImages, FashionMnist.TestLabels, 1000);
        TorchDevice.Configure(Adam.Seed, threads: 2);
        using var model = new MlpClassifier(784, [128], dropout: 0, classes: 10);
        using var trainer = new ClassifierTrainer(model, Adam, CPU);

        var reports = new List<EpochReport>();
        while (!trainer.IsFinished)
        {
            reports.Add(trainer.TrainEpoch(train));
        }

        var score = ClassifierTrainer.Evaluate(model, test, CPU);
        Assert.True(score.Accuracy > 0.75, $"test accuracy {score.Accuracy:F3}");
        Assert.True(reports[^1].MeanLoss < reports[0].MeanLoss * 0.8,
            $"loss {reports[0].MeanLoss:F3} -> {reports[^1].MeanLoss:F3}");
        Assert.Equal(3 * 94, trainer.Step);
        Assert.Equal(1000, score.ExampleCount);
    }

    [Fact]
    public void TrainEpoch_SameSeedTwice_IdenticalWeights()
    {
        using var train = Slice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 1000);

        using var first = TrainFromScratch(train, epochs: 2);
        using var second = TrainFromScratch(train, epochs: 2);

        Assert.Equal(Weights(first), Weights(second));
    }

    [Fact]
    public void LoadCheckpoint_AfterOneEpochInAFreshModel_FinishesWithTheUninterruptedWeights()
    {
        using var train = Slice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 1000);
        var options = Adam with { Epochs = 3 };
        using var uninterrupted = TrainFromScratch(train, epochs: 3);

        using var checkpoint = new MemoryStream();
        TorchDevice.Configure(options.Seed, threads: 2);
        using (var dying = NewModel())
        using (var trainer = new ClassifierTrainer(dying, options, CPU))
        {
            trainer.TrainEpoch(train);
            trainer.SaveCheckpoint(checkpoint);
        }

        // Another process: other weights from another seed, then the checkpoint.
        TorchDevice.Configure(seed: 999, threads: 2);
        using var resumed = NewModel();
        using (var trainer = new ClassifierTrainer(resumed, options, CPU))
        {
            checkpoint.Position = 0;
            trainer.LoadCheckpoint(checkpoint);
            Assert.Equal(1, trainer.CompletedEpochs);
            Assert.Equal(16, trainer.Step);
            while (!trainer.IsFinished)
            {
                trainer.TrainEpoch(train);
            }
        }

        Assert.Equal(Weights(uninterrupted), Weights(resumed));
    }

    [Fact]
    public void TrainEpoch_NaNInTheFirstBatch_ThrowsNonFiniteLossAtStepZero()
    {
        using var train = Slice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 200);
        train.Features.fill_(float.NaN);
        using var model = NewModel();
        using var trainer = new ClassifierTrainer(model, Adam, CPU);

        var error = Assert.Throws<NonFiniteLossException>(() => trainer.TrainEpoch(train));

        Assert.Equal(0, error.Epoch);
        Assert.Equal(0, error.Step);
        Assert.Contains("NaN", error.Message);
        Assert.Equal(0, trainer.CompletedEpochs);
    }

    [Fact]
    public void TrainEpoch_Cancelled_StopsBeforeTheNextBatchAndCountsNoEpoch()
    {
        using var train = Slice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 1000);
        using var model = NewModel();
        using var trainer = new ClassifierTrainer(model, Adam, CPU);
        using var cancel = new CancellationTokenSource();

        Assert.Throws<OperationCanceledException>(() => trainer.TrainEpoch(train, onStep: step =>
        {
            if (step.Step == 5)
            {
                cancel.Cancel();
            }
        }, reportEvery: 1, ct: cancel.Token));

        Assert.Equal(5, trainer.Step);
        Assert.Equal(0, trainer.CompletedEpochs);
    }

    [Theory]
    [InlineData(ScheduleKind.Constant, new[] { 0.1, 0.1, 0.1, 0.1, 0.1 })]
    [InlineData(ScheduleKind.Step, new[] { 0.1, 0.1, 0.05, 0.05, 0.025 })]
    [InlineData(ScheduleKind.Cosine, new[] { 0.1, 0.0853553, 0.05, 0.0146447, 0.0 })]
    public void LearningRateAt_FiveEpochs_FollowsTheSchedule(ScheduleKind kind, double[] expected)
    {
        var schedule = new ScheduleOptions(kind, StepEpochs: 2, Gamma: 0.5, MinLearningRate: 0);

        var rates = Enumerable.Range(0, 5).Select(e => schedule.LearningRateAt(0.1, e, 5)).ToArray();

        Assert.Equal(expected, rates, (a, b) => Math.Abs(a - b) < 1e-6);
    }

    private static MlpClassifier NewModel() => new(784, [32], dropout: 0.2, classes: 10);

    private static MlpClassifier TrainFromScratch(ExampleSet train, int epochs)
    {
        TorchDevice.Configure(Adam.Seed, threads: 2);
        var model = NewModel();
        using var trainer = new ClassifierTrainer(model, Adam with { Epochs = epochs }, CPU);
        while (!trainer.IsFinished)
        {
            trainer.TrainEpoch(train);
        }

        return model;
    }

    private static float[] Weights(nn.Module model) =>
        model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    /// <summary>The first examples of a Fashion-MNIST split as flat 784-pixel rows in [0, 1].</summary>
    private static ExampleSet Slice(string images, string labels, int count)
    {
        var (pixels, classes) = FashionMnist.ReadSlice(images, labels, count);
        return ExampleSet.FromArrays(pixels.Select(p => p / 255f).ToArray(),
            classes.Select(c => (long)c).ToArray(), [784]);
    }
}
