using Continuum.Ml.Continual;
using static TorchSharp.torch;
using static Continuum.Tests.Ml.Continual.TinyModels;

namespace Continuum.Tests.Ml.Continual;

/// <summary>Snapshots: detached copies of the trainable parameters that outlive the scope they were made in.</summary>
public sealed class ParameterSnapshotTests
{
    private static readonly float[,] Weight = { { 0.5f, -0.3f }, { 0.2f, 0.4f } };
    private static readonly float[] Bias = [0.1f, -0.2f];

    [Fact]
    public void Of_ModelChangedAfterwards_SnapshotKeepsTheOldValuesWithoutGradients()
    {
        using var model = Linear(Weight, Bias);

        using var snapshot = ParameterSnapshot.Of(model);
        using (no_grad())
        {
            model.weight!.add_(1f);
        }

        Assert.Equal([0.5, -0.3, 0.2, 0.4], Values(snapshot.Tensors["weight"]), (a, b) => Math.Abs(a - b) < 1e-7);
        Assert.False(snapshot.Tensors["weight"].requires_grad);
    }

    [Fact]
    public void Of_FrozenParameter_LeftOut()
    {
        using var model = Linear(Weight, Bias);
        model.weight!.requires_grad = false;

        using var snapshot = ParameterSnapshot.Of(model);

        Assert.Equal(["bias"], snapshot.Tensors.Keys);
    }

    [Fact]
    public void Of_MadeInsideADisposeScope_OutlivesTheScope()
    {
        using var model = Linear(Weight, Bias);
        ParameterSnapshot snapshot;
        using (NewDisposeScope())
        {
            snapshot = ParameterSnapshot.Of(model);
        }

        using (snapshot)
        {
            Assert.Equal([0.1, -0.2], Values(snapshot.Tensors["bias"]), (a, b) => Math.Abs(a - b) < 1e-7);
        }
    }
}
