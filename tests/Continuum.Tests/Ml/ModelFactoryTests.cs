using Continuum.Ml;
using Continuum.Registry.V1;
using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Tests.Ml;

public sealed class ModelFactoryTests
{
    private static readonly Architecture Cnn = new()
    {
        Cnn = new CnnArchitecture { ConvChannels = { 8, 16 }, FullyConnectedSizes = { 32 }, Dropout = 0.25 },
    };

    private static readonly Architecture Mlp = new()
    {
        Mlp = new MlpArchitecture { HiddenSizes = { 64, 32 }, Dropout = 0.1 },
    };

    [Theory]
    [InlineData(new[] { 28, 28 }, new long[] { 5, 28, 28 }, 10)]
    [InlineData(new[] { 28, 28 }, new long[] { 5, 1, 28, 28 }, 10)]
    [InlineData(new[] { 3, 32, 32 }, new long[] { 5, 3, 32, 32 }, 7)]
    public void Create_CnnForImageShape_GivesLogitsPerClass(int[] inputShape, long[] batchShape, int classes)
    {
        using var model = ModelFactory.Create(Cnn, inputShape, classes);
        model.eval();

        using var scope = NewDisposeScope();
        var logits = model.forward(randn(batchShape));

        Assert.Equal(new long[] { 5, classes }, logits.shape);
    }

    [Fact]
    public void Create_MlpForImageShape_FlattensAndGivesLogitsPerClass()
    {
        using var model = ModelFactory.Create(Mlp, [28, 28], 10);
        model.eval();

        using var scope = NewDisposeScope();
        var logits = model.forward(randn(3, 28, 28));

        Assert.Equal(new long[] { 3, 10 }, logits.shape);
    }

    [Theory]
    [InlineData("cnn", new[] { 28, 28 }, 10)]
    [InlineData("cnn", new[] { 3, 32, 32 }, 7)]
    [InlineData("cnn-kernel-5", new[] { 3, 32, 32 }, 4)]
    [InlineData("mlp", new[] { 28, 28 }, 10)]
    [InlineData("mlp", new[] { 784 }, 2)]
    public void ParameterCount_AnyArchitecture_EqualsBuiltModuleCount(string kind, int[] inputShape, int classes)
    {
        var architecture = kind switch
        {
            "cnn" => Cnn,
            "cnn-kernel-5" => new Architecture { Cnn = new CnnArchitecture { ConvChannels = { 4 }, KernelSize = 5 } },
            _ => Mlp,
        };
        using var model = ModelFactory.Create(architecture, inputShape, classes);

        var counted = ModelFactory.ParameterCount(architecture, inputShape, classes);

        Assert.Equal(model.parameters().Sum(p => p.numel()), counted);
    }

    [Theory]
    [InlineData("cnn", new[] { 784 }, "[H, W] or [C, H, W]")]
    [InlineData("cnn", new[] { 2, 3, 3, 3 }, "[H, W] or [C, H, W]")]
    [InlineData("cnn-deep", new[] { 4, 4 }, "too small")]
    [InlineData("cnn-no-conv", new[] { 28, 28 }, "at least one convolution")]
    [InlineData("mlp-no-hidden", new[] { 28, 28 }, "at least one hidden layer")]
    [InlineData("mlp", new[] { 28, 0 }, "positive dimensions")]
    [InlineData("none", new[] { 28, 28 }, "set mlp or cnn")]
    public void Create_InvalidCombination_ThrowsArgumentExceptionSayingWhy(string kind, int[] shape, string why)
    {
        var architecture = kind switch
        {
            "cnn" => Cnn,
            "cnn-deep" => new Architecture { Cnn = new CnnArchitecture { ConvChannels = { 4, 4, 4 } } },
            "cnn-no-conv" => new Architecture { Cnn = new CnnArchitecture { FullyConnectedSizes = { 8 } } },
            "mlp-no-hidden" => new Architecture { Mlp = new MlpArchitecture() },
            "mlp" => Mlp,
            _ => new Architecture(),
        };

        var error = Assert.ThrowsAny<ArgumentException>(() => ModelFactory.Create(architecture, shape, 10));

        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }
}
