using Continuum.Ml;
using Continuum.Ml.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Continuum.Tests.Ml;

[Collection(TorchRandomCollection.Name)]
public sealed class TorchSharpTests
{
    [Fact]
    public void MlpClassifier_TrainedOnSeparableBlobs_LossFallsByHalf()
    {
        TorchDevice.Configure(seed: 1234, threads: 2);
        using var generator = new Generator(42);

        // Two Gaussian blobs in 8 dimensions, centred at -1 and +1: separable, so a small MLP must learn them.
        const int perClass = 64;
        using var noise = randn(new long[] { 2 * perClass, 8 }, generator: generator);
        using var centres = cat(new[] { full(perClass, 8, -1.0f), full(perClass, 8, 1.0f) }, 0);
        using var inputs = noise.mul(0.5f).add_(centres);
        using var labels = cat(new[] { zeros(perClass, dtype: int64), ones(perClass, dtype: int64) }, 0);

        using var model = new MlpClassifier(inputFeatures: 8, hiddenSizes: [16, 16], dropout: 0.1, classes: 2);
        using var optimizer = optim.Adam(model.parameters(), lr: 0.01);
        using var lossFunction = nn.CrossEntropyLoss();
        model.train();

        var initialLoss = double.NaN;
        var finalLoss = double.NaN;
        for (var step = 0; step < 40; step++)
        {
            // One dispose scope per step frees every intermediate tensor of the step.
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(inputs);
            var loss = lossFunction.forward(logits, labels);
            loss.backward();
            optimizer.step();

            var value = loss.item<float>();
            if (step == 0)
            {
                initialLoss = value;
            }

            finalLoss = value;
        }

        Assert.True(initialLoss > 0.3, $"initial loss {initialLoss} should be near ln 2 for an untrained model");
        Assert.True(finalLoss < 0.5 * initialLoss, $"final loss {finalLoss} should be under half of {initialLoss}");
    }

    [Fact]
    public void ConvClassifier_Forward_MapsMnistBatchToTenLogits()
    {
        TorchDevice.Configure(seed: 7, threads: 2);
        using var model = new ConvClassifier();
        model.eval();

        using var scope = NewDisposeScope();
        var batch = randn(4, 1, 28, 28);
        var logits = model.forward(batch);

        Assert.Equal(new long[] { 4, 10 }, logits.shape);
        Assert.Equal(32L * 7 * 7, model.FlattenedSize);
    }

    [Fact]
    public void Resolve_CpuOrCuda_GivesCpuAndCudaOnlyWhenAvailable()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("cpu").type);

        if (cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, TorchDevice.Resolve("cuda").type);
        }
        else
        {
            var error = Assert.Throws<CudaNotAvailableException>(() => TorchDevice.Resolve("cuda"));
            Assert.Contains("CUDA is not available", error.Message);
            Assert.Equal(DeviceType.CPU, TorchDevice.Resolve("auto").type);
        }
    }
}
