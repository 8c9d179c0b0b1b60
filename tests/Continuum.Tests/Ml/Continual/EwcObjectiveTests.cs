using Continuum.Ml.Continual;
using static TorchSharp.torch;
using static Continuum.Tests.Ml.Continual.TinyModels;

namespace Continuum.Tests.Ml.Continual;

/// <summary>The EWC penalty (lambda / 2) * sum F * (theta - theta*)^2 on a 2 x 2 linear layer.</summary>
public sealed class EwcObjectiveTests
{
    private static readonly float[,] Weight = { { 0.5f, -0.3f }, { 0.2f, 0.4f } };
    private static readonly float[] Bias = [0.1f, -0.2f];
    private static readonly float[,] WeightFisher = { { 1, 2 }, { 3, 4 } };
    private static readonly float[] BiasFisher = [5, 6];

    [Fact]
    public void Penalty_AtTheAnchorWeights_ExactlyZero()
    {
        using var model = Linear(Weight, Bias);
        using var anchor = new EwcAnchor(ParameterSnapshot.Of(model), Snapshot(WeightFisher, BiasFisher));
        var objective = new EwcObjective([anchor], penaltyStrength: 100);

        using var penalty = objective.Penalty(model);

        Assert.Equal(0f, penalty.item<float>());
    }

    [Fact]
    public void Penalty_OneWeightMovedByDelta_HalfLambdaTimesFisherTimesDeltaSquared()
    {
        using var model = Linear(Weight, Bias);
        using var anchor = new EwcAnchor(ParameterSnapshot.Of(model), Snapshot(WeightFisher, BiasFisher));
        var objective = new EwcObjective([anchor], penaltyStrength: 3);
        using (no_grad())
        {
            model.weight![1, 0].add_(0.5f);
        }

        using var penalty = objective.Penalty(model);
        penalty.backward();

        // lambda / 2 * F * delta^2 = 3 / 2 * 3 * 0.25, and its gradient lambda * F * delta = 3 * 3 * 0.5.
        Assert.Equal(1.125, penalty.item<float>(), 6);
        Assert.Equal([0, 0, 4.5, 0], Values(model.weight!.grad!), (a, b) => Math.Abs(a - b) < 1e-6);
        Assert.Equal([0, 0], Values(model.bias!.grad!));
    }

    [Fact]
    public void Penalty_TwoAnchors_SumOfTheirPenalties()
    {
        using var model = Linear(Weight, Bias);
        using var here = new EwcAnchor(ParameterSnapshot.Of(model), Snapshot(WeightFisher, BiasFisher));
        var shifted = (float[,])Weight.Clone();
        shifted[0, 1] -= 1;
        using var there = new EwcAnchor(Snapshot(shifted, Bias), Snapshot(WeightFisher, BiasFisher));
        var objective = new EwcObjective([here, there], penaltyStrength: 2);

        using var penalty = objective.Penalty(model);

        // Zero from the first; 2 / 2 * F[0, 1] * 1^2 = 2 from the second.
        Assert.Equal(2.0, penalty.item<float>(), 6);
    }

    [Fact]
    public void Penalty_ParameterMissingFromTheAnchor_Skipped()
    {
        using var model = Linear(Weight, Bias);
        using var weightOnly = new EwcAnchor(
            new ParameterSnapshot(new Dictionary<string, Tensor> { ["weight"] = tensor(Weight) }),
            new ParameterSnapshot(new Dictionary<string, Tensor> { ["weight"] = tensor(WeightFisher) }));
        var objective = new EwcObjective([weightOnly], penaltyStrength: 10);
        using (no_grad())
        {
            model.bias!.add_(1f);
        }

        using var penalty = objective.Penalty(model);

        Assert.Equal(0f, penalty.item<float>());
    }

    [Fact]
    public void Loss_AtTheAnchor_EqualsTheCrossEntropy()
    {
        using var model = Linear(Weight, Bias);
        using var anchor = new EwcAnchor(ParameterSnapshot.Of(model), Snapshot(WeightFisher, BiasFisher));
        var objective = new EwcObjective([anchor], penaltyStrength: 5);
        using var inputs = tensor(new float[,] { { 1, 2 } });
        using var labels = tensor(new long[] { 0 });
        using var logits = model.forward(inputs);

        using var loss = objective.Loss(model, inputs, logits, labels);

        // z = (0.0, 0.8): -log softmax(z)_0 = log(1 + e^0.8).
        Assert.Equal(Math.Log(1 + Math.Exp(0.8)), loss.item<float>(), 5);
    }

    [Fact]
    public void Constructor_NegativeStrength_Refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EwcObjective([], penaltyStrength: -1));
    }
}
