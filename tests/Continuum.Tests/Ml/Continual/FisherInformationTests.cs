using Continuum.Ml.Continual;
using Continuum.Ml.Models;
using Continuum.Ml.Training;
using static TorchSharp.torch;
using static Continuum.Tests.Ml.Continual.TinyModels;

namespace Continuum.Tests.Ml.Continual;

/// <summary>The empirical Fisher diagonal of a one-layer model, against the cross-entropy gradient by hand.</summary>
public sealed class FisherInformationTests
{
    private static readonly float[,] Weight = { { 0.5f, -0.3f }, { 0.2f, 0.4f } };
    private static readonly float[] Bias = [0.1f, -0.2f];
    private static readonly double[][] Inputs = [[1.0, 2.0], [-1.0, 0.5]];
    private static readonly long[] Labels = [0, 1];

    [Fact]
    public void Diagonal_LinearTwoExamples_MeanOfPerExampleSquaredGradients()
    {
        using var model = Linear(Weight, Bias);
        using var examples = Examples(0, 1);

        using var fisher = FisherInformation.Diagonal(model, examples, CPU, sampleCount: 0, seed: 1);

        var (weight, bias) = Expected(0, 1);
        Assert.Equal(weight, Values(fisher.Tensors["weight"]), Close);
        Assert.Equal(bias, Values(fisher.Tensors["bias"]), Close);
        // The square of the mean gradient would be far smaller here: the two gradients point opposite ways.
        Assert.True(bias[0] > 0.3, $"bias Fisher {bias[0]}");
    }

    [Fact]
    public void Diagonal_SampleOfOne_OneExamplesFisherAndTheSameForTheSameSeed()
    {
        using var model = Linear(Weight, Bias);
        using var examples = Examples(0, 1);

        using var first = FisherInformation.Diagonal(model, examples, CPU, sampleCount: 1, seed: 42);
        using var again = FisherInformation.Diagonal(model, examples, CPU, sampleCount: 1, seed: 42);

        var bias = Values(first.Tensors["bias"]);
        var candidates = new[] { Expected(0).Bias, Expected(1).Bias };
        Assert.Contains(candidates, c => c.Zip(bias).All(p => Close(p.First, p.Second)));
        Assert.Equal(bias, Values(again.Tensors["bias"]));
    }

    [Fact]
    public void Diagonal_ModelWithDropoutInTrainingMode_EvalModeEstimateAndModelLeftAsItWas()
    {
        using var generator = new Generator(3);
        using var model = new MlpClassifier(4, [16], dropout: 0.5, classes: 3);
        model.train();
        using var examples = new ExampleSet(
            randn([20, 4], generator: generator), randint(0, 3, [20], generator: generator));
        var before = model.parameters().Select(p => Values(p)).ToList();

        using var first = FisherInformation.Diagonal(model, examples, CPU, sampleCount: 0, seed: 0);
        using var second = FisherInformation.Diagonal(model, examples, CPU, sampleCount: 0, seed: 0);

        // With dropout active the two estimates would differ; in evaluation mode they are the same numbers.
        Assert.All(first.Tensors, pair => Assert.Equal(Values(pair.Value), Values(second.Tensors[pair.Key])));
        Assert.True(model.training);
        Assert.Equal(before, model.parameters().Select(p => Values(p)).ToList());
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || Values(p.grad).All(g => g == 0)));
        Assert.Equal(model.parameters().Count(), first.Tensors.Count);
    }

    [Fact]
    public void Diagonal_FrozenParameter_LeftOut()
    {
        using var model = Linear(Weight, Bias);
        model.bias!.requires_grad = false;
        using var examples = Examples(0, 1);

        using var fisher = FisherInformation.Diagonal(model, examples, CPU, sampleCount: 0, seed: 1);

        Assert.Equal(["weight"], fisher.Tensors.Keys);
    }

    private static ExampleSet Examples(params int[] which) => ExampleSet.FromArrays(
        which.SelectMany(i => Inputs[i].Select(x => (float)x)).ToArray(), which.Select(i => Labels[i]).ToArray(), [2]);

    /// <summary>
    /// For cross-entropy, d(-log p_y)/dW = (softmax(z) - onehot(y)) x^T and d/db = softmax(z) - onehot(y), with
    /// z = W x + b; the Fisher is the mean of their squares over the examples.
    /// </summary>
    private static (double[] Weight, double[] Bias) Expected(params int[] which)
    {
        var weight = new double[4];
        var bias = new double[2];
        foreach (var i in which)
        {
            var x = Inputs[i];
            var z = Enumerable.Range(0, 2).Select(k => Weight[k, 0] * x[0] + Weight[k, 1] * x[1] + Bias[k]).ToArray();
            var p = Softmax(z);
            for (var k = 0; k < 2; k++)
            {
                var g = p[k] - (k == Labels[i] ? 1 : 0);
                bias[k] += g * g / which.Length;
                weight[2 * k] += g * x[0] * g * x[0] / which.Length;
                weight[2 * k + 1] += g * x[1] * g * x[1] / which.Length;
            }
        }

        return (weight, bias);
    }

    private static bool Close(double a, double b) => Math.Abs(a - b) < 1e-6;
}
