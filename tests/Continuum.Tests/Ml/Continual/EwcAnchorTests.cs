using Continuum.Ml.Continual;
using static TorchSharp.torch;
using static Continuum.Tests.Ml.Continual.TinyModels;

namespace Continuum.Tests.Ml.Continual;

/// <summary>Online EWC: F = decay * F_previous + F_task over tasks oldest first, anchored at the last task.</summary>
public sealed class EwcAnchorTests
{
    [Fact]
    public void Online_ThreeTasksHalfDecay_DecayedRunningFisherAtTheLastWeights()
    {
        using var first = Anchor(weights: [1, 1], fisher: [1, 0]);
        using var second = Anchor(weights: [2, 2], fisher: [2, 1]);
        using var third = Anchor(weights: [7, 8], fisher: [4, 10]);

        using var online = EwcAnchor.Online([first, second, third], decay: 0.5);

        // (1 * 0.5 + 2) * 0.5 + 4 and (0 * 0.5 + 1) * 0.5 + 10.
        Assert.Equal([5.25, 10.5], Values(online.Fisher.Tensors["w"]));
        Assert.Equal([7, 8], Values(online.Weights.Tensors["w"]));
    }

    [Fact]
    public void Online_DecayOneAndZero_SumOrLastFisher()
    {
        using var first = Anchor(weights: [1, 1], fisher: [1, 3]);
        using var second = Anchor(weights: [2, 2], fisher: [2, 5]);

        using var summed = EwcAnchor.Online([first, second], decay: 1);
        using var last = EwcAnchor.Online([first, second], decay: 0);

        Assert.Equal([3, 8], Values(summed.Fisher.Tensors["w"]));
        Assert.Equal([2, 5], Values(last.Fisher.Tensors["w"]));
    }

    [Fact]
    public void Online_ResultDisposed_InputsStillUsable()
    {
        using var only = Anchor(weights: [4, 5], fisher: [6, 7]);

        EwcAnchor.Online([only], decay: 0.9).Dispose();

        Assert.Equal([4, 5], Values(only.Weights.Tensors["w"]));
        Assert.Equal([6, 7], Values(only.Fisher.Tensors["w"]));
    }

    [Fact]
    public void Online_NoAnchors_Refused()
    {
        Assert.Throws<ArgumentException>(() => EwcAnchor.Online([], decay: 0.5));
    }

    [Fact]
    public void Constructor_FisherOfAnotherShape_Refused()
    {
        using var weights = Snapshot("w", [1, 2]);
        using var fisher = Snapshot("w", [1, 2, 3]);

        Assert.Throws<ArgumentException>(() => new EwcAnchor(weights, fisher));
    }

    private static EwcAnchor Anchor(float[] weights, float[] fisher) =>
        new(Snapshot("w", weights), Snapshot("w", fisher));

    private static ParameterSnapshot Snapshot(string name, float[] values) =>
        new(new Dictionary<string, Tensor> { [name] = tensor(values) });
}
