using Continuum.Registry.Gates;
using Continuum.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Continuum.Tests.Registry;

/// <summary>The gate's judgement on hand-made metrics, without a server.</summary>
public sealed class PromotionGateEvaluatorTests
{
    private const string Old = "datasets/fm/versions/1";
    private const string New = "datasets/fm/versions/2";
    private static readonly Timestamp Now = Timestamp.FromDateTime(new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc));

    [Fact]
    public void Evaluate_BetterOnNewWorseOnOldAndTooBigAndSlow_EveryCheckWithItsNumbers()
    {
        var gate = Gate(minImprovement: 0.01, maxForgetting: 0.05);
        gate.MaxSizeBytes = 1500;
        gate.MaxLatencyMs = 5;
        var champion = Version(1, (Old, 0.95), (New, 0.70));
        var candidate = Version(2, (Old, 0.83), (New, 0.90));
        candidate.Artifact.SizeBytes = 2000;
        candidate.Metrics.LatencyMs = 7.5;

        var evaluation = PromotionGateEvaluator.Evaluate(gate, candidate, champion, Now);

        Assert.False(evaluation.Passed);
        Assert.Equal("models/fm/versions/2", evaluation.CandidateVersion);
        Assert.Equal("models/fm/versions/1", evaluation.ChampionVersion);
        Assert.Equal("champion", evaluation.Alias);
        Assert.Equal(Now, evaluation.EvaluateTime);
        Assert.Equal(
            [
                (GateCheckKind.NewDataImprovement, New, 0.90, 0.70, 0.01, true,
                    "accuracy on datasets/fm/versions/2 rose by 0.200 (0.700 to 0.900), "
                    + "meeting the required improvement 0.010."),
                (GateCheckKind.OldDataForgetting, Old, 0.83, 0.95, 0.05, false,
                    "accuracy on datasets/fm/versions/1 fell by 0.120, more than the bound 0.050."),
                (GateCheckKind.Size, "", 2000, 0, 1500, false,
                    "the artifact is 2000 bytes, more than the bound 1500 bytes."),
                (GateCheckKind.Latency, "", 7.5, 0, 5, false, "latency is 7.500 ms, more than the bound 5.000 ms."),
            ],
            evaluation.Checks.Select(Tuple));
    }

    [Fact]
    public void Evaluate_WithinEveryBound_Passes()
    {
        var gate = Gate(minImprovement: 0.01, maxForgetting: 0.05);
        gate.MaxSizeBytes = 1000;
        gate.MaxLatencyMs = 5;
        var champion = Version(1, (Old, 0.95), (New, 0.70));
        var candidate = Version(2, (Old, 0.93), (New, 0.90));
        candidate.Metrics.LatencyMs = 3.2;

        var evaluation = PromotionGateEvaluator.Evaluate(gate, candidate, champion, Now);

        Assert.True(evaluation.Passed);
        Assert.Equal(
            [
                "accuracy on datasets/fm/versions/2 rose by 0.200 (0.700 to 0.900), "
                + "meeting the required improvement 0.010.",
                "accuracy on datasets/fm/versions/1 fell by 0.020, within the bound 0.050.",
                "the artifact is 1000 bytes, within the bound 1000 bytes.",
                "latency is 3.200 ms, within the bound 5.000 ms.",
            ],
            evaluation.Checks.Select(c => c.Reason));
    }

    [Fact]
    public void Evaluate_ExactlyOnTheBounds_Passes()
    {
        // 0.3 - 0.2 is 0.09999999999999998 in doubles; a user who asked for 0.1 gets it.
        var champion = Version(1, (Old, 0.80), (New, 0.2));
        var candidate = Version(2, (Old, 0.75), (New, 0.3));

        var evaluation = PromotionGateEvaluator.Evaluate(
            Gate(minImprovement: 0.1, maxForgetting: 0.05), candidate, champion, Now);

        Assert.True(evaluation.Passed);
        Assert.Equal([true, true], evaluation.Checks.Select(c => c.Passed));
    }

    [Fact]
    public void Evaluate_ChampionLacksNewSplit_TakesTheCandidatesBaselineOfTheChampion()
    {
        var champion = Version(1, (Old, 0.95));
        var candidate = Version(2, (Old, 0.94), (New, 0.90));
        candidate.Metrics.Baseline = new BaselineEvaluation
        {
            ModelVersion = "models/fm/versions/1", Evaluations = { Split(New, 0.72), Split(Old, 0.10) },
        };

        var evaluation = PromotionGateEvaluator.Evaluate(
            Gate(minImprovement: 0.1, maxForgetting: 0.05), candidate, champion, Now);

        Assert.True(evaluation.Passed);
        var improvement = evaluation.Checks[0];
        Assert.Equal(GateCheckKind.NewDataImprovement, improvement.Kind);
        Assert.Equal(0.72, improvement.ChampionValue);
        // The champion's own evaluation comes before the baseline's.
        Assert.Equal(0.95, evaluation.Checks[1].ChampionValue);
    }

    [Fact]
    public void Evaluate_BaselineOfAnotherVersion_MissingEvaluationFails()
    {
        var champion = Version(1, (Old, 0.95));
        var candidate = Version(2, (Old, 0.94), (New, 0.90));
        candidate.Metrics.Baseline = new BaselineEvaluation
        {
            ModelVersion = "models/fm/versions/7", Evaluations = { Split(New, 0.72) },
        };

        var evaluation = PromotionGateEvaluator.Evaluate(Gate(), candidate, champion, Now);

        Assert.False(evaluation.Passed);
        var check = Assert.Single(evaluation.Checks);
        Assert.Equal(
            (GateCheckKind.MissingEvaluation, New, 0.90, 0.0, 0.0, false,
                "models/fm/versions/1 has no accuracy on datasets/fm/versions/2 to compare with, "
                + "neither its own nor in the baseline of models/fm/versions/2."),
            Tuple(check));
    }

    [Fact]
    public void Evaluate_ChampionEvaluatedOnAnotherSplitOnly_MissingEvaluation()
    {
        var champion = Version(1);
        champion.Metrics.Evaluations.Add(new SplitEvaluation
        {
            DatasetVersion = New, Split = Continuum.Data.V1.Split.Train, Accuracy = 0.99,
        });
        var candidate = Version(2, (New, 0.90));

        var evaluation = PromotionGateEvaluator.Evaluate(Gate(), candidate, champion, Now);

        Assert.Equal([GateCheckKind.MissingEvaluation], evaluation.Checks.Select(c => c.Kind));
    }

    [Fact]
    public void Evaluate_NoChampion_PassesWithOneNoChampionCheck()
    {
        var gate = Gate(minImprovement: 0.5);
        gate.MaxSizeBytes = 1;
        var candidate = Version(2, (New, 0.10));

        var evaluation = PromotionGateEvaluator.Evaluate(gate, candidate, champion: null, Now);

        Assert.True(evaluation.Passed);
        Assert.Equal("", evaluation.ChampionVersion);
        Assert.Equal(
            [(GateCheckKind.NoChampion, "", 0.0, 0.0, 0.0, true,
                "alias champion does not exist yet, so models/fm/versions/2 needs no comparison.")],
            evaluation.Checks.Select(Tuple));
    }

    [Fact]
    public void Evaluate_CandidateWithoutEvaluationsOrLatency_FailsBothChecks()
    {
        var gate = Gate();
        gate.MaxLatencyMs = 5;

        var evaluation = PromotionGateEvaluator.Evaluate(gate, Version(2), Version(1, (Old, 0.9)), Now);

        Assert.False(evaluation.Passed);
        Assert.Equal(
            [
                (GateCheckKind.MissingEvaluation, "", 0.0, 0.0, 0.0, false,
                    "models/fm/versions/2 has no evaluations to compare with models/fm/versions/1."),
                (GateCheckKind.Latency, "", 0.0, 0.0, 5.0, false,
                    "models/fm/versions/2 has no measured latency to hold to the bound 5.000 ms."),
            ],
            evaluation.Checks.Select(Tuple));
    }

    [Fact]
    public void Evaluate_NoForgettingBound_EarlierSplitsNotChecked()
    {
        var champion = Version(1, (Old, 0.95), (New, 0.70));
        var candidate = Version(2, (Old, 0.10), (New, 0.69));

        var evaluation = PromotionGateEvaluator.Evaluate(Gate(minImprovement: -0.02), candidate, champion, Now);

        Assert.True(evaluation.Passed);
        Assert.Equal(
            "accuracy on datasets/fm/versions/2 fell by 0.010 (0.700 to 0.690), meeting the required improvement "
            + "-0.020.",
            Assert.Single(evaluation.Checks).Reason);
    }

    private static PromotionGate Gate(double minImprovement = 0, double? maxForgetting = null)
    {
        var gate = new PromotionGate { Alias = "champion", MinImprovement = minImprovement };
        if (maxForgetting is { } bound)
        {
            gate.MaxForgetting = bound;
        }

        return gate;
    }

    private static ModelVersion Version(long number, params (string Dataset, double Accuracy)[] evaluations) => new()
    {
        Name = $"models/fm/versions/{number}",
        Artifact = new Artifact { SizeBytes = 1000 },
        Metrics = new ModelMetrics { Evaluations = { evaluations.Select(e => Split(e.Dataset, e.Accuracy)) } },
    };

    private static SplitEvaluation Split(string dataset, double accuracy) =>
        new() { DatasetVersion = dataset, Split = Continuum.Data.V1.Split.Test, Accuracy = accuracy };

    private static (GateCheckKind, string, double, double, double, bool, string) Tuple(GateCheck c) =>
        (c.Kind, c.DatasetVersion, c.CandidateValue, c.ChampionValue, c.Threshold, c.Passed, c.Reason);
}
