using System.Globalization;
using Continuum.Registry.V1;
using Google.Protobuf.WellKnownTypes;

namespace Continuum.Registry.Gates;

/// <summary>
/// Judges a candidate version against a promotion gate and the alias's current version (the champion), from
/// their stored metrics alone, so it can be tested without a server. The newest split is the candidate's last
/// evaluation; the earlier splits are the others. The champion's accuracy on a split is its own evaluation of
/// the same dataset version and split, else the candidate's baseline when that baseline is the champion.
/// </summary>
public static class PromotionGateEvaluator
{
    // Accuracy differences such as 0.3 - 0.2 come out a hair below the bound they meet in binary floating point.
    private const double Tolerance = 1e-9;

    public static GateEvaluation Evaluate(
        PromotionGate gate, ModelVersion candidate, ModelVersion? champion, Timestamp evaluateTime)
    {
        var evaluation = new GateEvaluation
        {
            CandidateVersion = candidate.Name,
            ChampionVersion = champion?.Name ?? "",
            Alias = gate.Alias,
            EvaluateTime = evaluateTime,
        };
        if (champion is null)
        {
            evaluation.Checks.Add(new GateCheck
            {
                Kind = GateCheckKind.NoChampion, Passed = true,
                Reason = $"alias {gate.Alias} does not exist yet, so {candidate.Name} needs no comparison.",
            });
            evaluation.Passed = true;
            return evaluation;
        }

        evaluation.Checks.Add(AccuracyChecks(gate, candidate, champion));
        evaluation.Checks.Add(BoundChecks(gate, candidate));
        evaluation.Passed = evaluation.Checks.All(c => c.Passed);
        return evaluation;
    }

    private static IEnumerable<GateCheck> AccuracyChecks(
        PromotionGate gate, ModelVersion candidate, ModelVersion champion)
    {
        var splits = candidate.Metrics?.Evaluations ?? [];
        if (splits.Count == 0)
        {
            yield return new GateCheck
            {
                Kind = GateCheckKind.MissingEvaluation,
                Reason = $"{candidate.Name} has no evaluations to compare with {champion.Name}.",
            };
            yield break;
        }

        yield return Compare(splits[^1], candidate, champion, (mine, theirs) => Improvement(gate, mine, theirs));
        if (gate.HasMaxForgetting)
        {
            foreach (var split in splits.SkipLast(1))
            {
                yield return Compare(split, candidate, champion, (mine, theirs) => Forgetting(gate, mine, theirs));
            }
        }
    }

    private static GateCheck Compare(SplitEvaluation split, ModelVersion candidate, ModelVersion champion,
        Func<SplitEvaluation, double, GateCheck> check)
    {
        if (ChampionAccuracy(split, candidate, champion) is { } theirs)
        {
            return check(split, theirs);
        }

        return new GateCheck
        {
            Kind = GateCheckKind.MissingEvaluation, DatasetVersion = split.DatasetVersion,
            CandidateValue = split.Accuracy,
            Reason = $"{champion.Name} has no accuracy on {split.DatasetVersion} to compare with, "
                + $"neither its own nor in the baseline of {candidate.Name}.",
        };
    }

    private static double? ChampionAccuracy(SplitEvaluation split, ModelVersion candidate, ModelVersion champion)
    {
        var own = Find(champion.Metrics?.Evaluations, split);
        if (own is not null)
        {
            return own.Accuracy;
        }

        var baseline = candidate.Metrics?.Baseline;
        return baseline?.ModelVersion == champion.Name ? Find(baseline.Evaluations, split)?.Accuracy : null;
    }

    // The split must match too: a champion's training accuracy says nothing about the candidate's test accuracy.
    private static SplitEvaluation? Find(IEnumerable<SplitEvaluation>? evaluations, SplitEvaluation split) =>
        evaluations?.LastOrDefault(e => e.DatasetVersion == split.DatasetVersion && e.Split == split.Split);

    private static GateCheck Improvement(PromotionGate gate, SplitEvaluation split, double champion)
    {
        var gain = split.Accuracy - champion;
        var passed = gain >= gate.MinImprovement - Tolerance;
        var change = gain >= 0 ? $"rose by {F(gain)}" : $"fell by {F(-gain)}";
        return new GateCheck
        {
            Kind = GateCheckKind.NewDataImprovement, DatasetVersion = split.DatasetVersion,
            CandidateValue = split.Accuracy, ChampionValue = champion, Threshold = gate.MinImprovement,
            Passed = passed,
            Reason = $"accuracy on {split.DatasetVersion} {change} ({F(champion)} to {F(split.Accuracy)}), "
                + (passed ? "meeting" : "short of") + $" the required improvement {F(gate.MinImprovement)}.",
        };
    }

    private static GateCheck Forgetting(PromotionGate gate, SplitEvaluation split, double champion)
    {
        var drop = champion - split.Accuracy;
        var passed = drop <= gate.MaxForgetting + Tolerance;
        var change = drop > 0 ? $"fell by {F(drop)}" : $"did not fall ({F(champion)} to {F(split.Accuracy)})";
        return new GateCheck
        {
            Kind = GateCheckKind.OldDataForgetting, DatasetVersion = split.DatasetVersion,
            CandidateValue = split.Accuracy, ChampionValue = champion, Threshold = gate.MaxForgetting,
            Passed = passed,
            Reason = $"accuracy on {split.DatasetVersion} {change}, "
                + (passed ? "within" : "more than") + $" the bound {F(gate.MaxForgetting)}.",
        };
    }

    private static IEnumerable<GateCheck> BoundChecks(PromotionGate gate, ModelVersion candidate)
    {
        if (gate.HasMaxSizeBytes)
        {
            var size = candidate.Artifact?.SizeBytes ?? 0;
            var passed = size <= gate.MaxSizeBytes;
            yield return new GateCheck
            {
                Kind = GateCheckKind.Size, CandidateValue = size, Threshold = gate.MaxSizeBytes, Passed = passed,
                Reason = $"the artifact is {size} bytes, " + (passed ? "within" : "more than")
                    + $" the bound {gate.MaxSizeBytes} bytes.",
            };
        }

        if (gate.HasMaxLatencyMs)
        {
            // Proto3 cannot tell 0 from unset, and no model answers in 0 ms: 0 means it was never measured.
            var latency = candidate.Metrics?.LatencyMs ?? 0;
            var passed = latency > 0 && latency <= gate.MaxLatencyMs + Tolerance;
            yield return new GateCheck
            {
                Kind = GateCheckKind.Latency, CandidateValue = latency, Threshold = gate.MaxLatencyMs,
                Passed = passed,
                Reason = latency <= 0
                    ? $"{candidate.Name} has no measured latency to hold to the bound {F(gate.MaxLatencyMs)} ms."
                    : $"latency is {F(latency)} ms, " + (passed ? "within" : "more than")
                        + $" the bound {F(gate.MaxLatencyMs)} ms.",
            };
        }
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
