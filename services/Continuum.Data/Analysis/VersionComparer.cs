using System.Globalization;
using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Data.Analysis;

/// <summary>
/// What changed between two versions of a dataset, and the continual-learning scenario it implies: new classes
/// make it class-incremental; otherwise input drift or label shift over the threshold makes it domain-incremental.
/// </summary>
/// <remarks>
/// Input drift is the population stability index over one intensity histogram of every input value of each split:
/// <see cref="HistogramBins"/> equal-width bins spanning [min, max] of both splits' values together, so it works
/// for any value range (0..1 pixels, raw 0..255, standardised features) without a schema hint. A bin's share is
/// floored at <see cref="EmptyBinShare"/> before PSI = sum((t - b) * ln(t / b)), so an empty bin on one side
/// counts as a large but finite difference instead of an infinity.
/// </remarks>
public static class VersionComparer
{
    /// <summary>The threshold when the request sets none (CompareDatasetVersionsRequest.drift_threshold).</summary>
    public const double DefaultDriftThreshold = 0.2;

    /// <summary>Bins of the intensity histogram.</summary>
    public const int HistogramBins = 20;

    /// <summary>Smallest share a histogram bin counts with, so that PSI stays finite.</summary>
    public const double EmptyBinShare = 1e-4;

    /// <summary>Compares one split of two versions; base_version and target_version are left to the caller.</summary>
    /// <exception cref="DataValidationException">Field <c>split</c>: a version lacks the split.</exception>
    public static DatasetVersionComparison Compare(
        DatasetContent baseContent, DatasetContent target, Split split, int classCount, double driftThreshold)
    {
        var baseSplit = baseContent.Get(split)
            ?? throw new DataValidationException("split", $"The base version has no {split} split.");
        var targetSplit = target.Get(split)
            ?? throw new DataValidationException("split", $"The target version has no {split} split.");
        return Compare(baseSplit, targetSplit, classCount, driftThreshold);
    }

    /// <summary>Compares two splits' examples; labels must lie in [0, classCount).</summary>
    public static DatasetVersionComparison Compare(
        SplitExamples baseSplit, SplitExamples targetSplit, int classCount, double driftThreshold)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (!(driftThreshold >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(driftThreshold), driftThreshold, "The threshold is >= 0.");
        }

        var baseShares = ClassShares(baseSplit.Labels, classCount);
        var targetShares = ClassShares(targetSplit.Labels, classCount);
        var added = Enumerable.Range(0, classCount).Where(c => targetShares[c] > 0 && baseShares[c] == 0).ToList();
        var removed = Enumerable.Range(0, classCount).Where(c => baseShares[c] > 0 && targetShares[c] == 0).ToList();
        var labelShift = 0.5 * baseShares.Zip(targetShares, (p, q) => Math.Abs(p - q)).Sum();

        var baseScan = ValueScan.Of(baseSplit.Features);
        var targetScan = ValueScan.Of(targetSplit.Features);
        var low = Math.Min(baseScan.Min, targetScan.Min);
        var high = Math.Max(baseScan.Max, targetScan.Max);
        var baseHistogram = baseScan.Histogram(baseSplit.Features, low, high, HistogramBins, out var baseStatistics);
        var targetHistogram = targetScan.Histogram(
            targetSplit.Features, low, high, HistogramBins, out var targetStatistics);
        var psi = PopulationStabilityIndex(baseHistogram, targetHistogram);

        var drift = psi > driftThreshold || labelShift > driftThreshold;
        var scenario = added.Count > 0 ? Scenario.ClassIncremental
            : drift ? Scenario.DomainIncremental
            : Scenario.NoChange;
        var comparison = new DatasetVersionComparison
        {
            Split = baseSplit.Split,
            LabelShift = labelShift,
            PopulationStabilityIndex = psi,
            BaseStatistics = baseStatistics,
            TargetStatistics = targetStatistics,
            DriftDetected = drift,
            DriftThreshold = driftThreshold,
            Scenario = scenario,
            Summary = Summarize(scenario, added, removed, labelShift, psi, driftThreshold),
        };
        comparison.ClassesAdded.AddRange(added);
        comparison.ClassesRemoved.AddRange(removed);
        comparison.BaseClassFractions.AddRange(baseShares);
        comparison.TargetClassFractions.AddRange(targetShares);
        return comparison;
    }

    /// <summary>PSI of two histograms over the same bins, each share floored at <see cref="EmptyBinShare"/>.</summary>
    public static double PopulationStabilityIndex(long[] baseCounts, long[] targetCounts)
    {
        double baseTotal = baseCounts.Sum(), targetTotal = targetCounts.Sum();
        var psi = 0.0;
        for (var i = 0; i < baseCounts.Length; i++)
        {
            var b = Math.Max(baseTotal > 0 ? baseCounts[i] / baseTotal : 0, EmptyBinShare);
            var t = Math.Max(targetTotal > 0 ? targetCounts[i] / targetTotal : 0, EmptyBinShare);
            psi += (t - b) * Math.Log(t / b);
        }

        return psi;
    }

    private static double[] ClassShares(long[] labels, int classCount)
    {
        var counts = new long[classCount];
        foreach (var label in labels)
        {
            if ((ulong)label >= (ulong)classCount)
            {
                throw new ArgumentException($"Label {label} is outside the {classCount} classes.", nameof(labels));
            }

            counts[label]++;
        }

        return counts.Select(c => labels.Length == 0 ? 0.0 : (double)c / labels.Length).ToArray();
    }

    private static string Summarize(
        Scenario scenario, List<int> added, List<int> removed, double labelShift, double psi, double threshold)
    {
        var gone = removed.Count == 0 ? ""
            : $"{Classes(removed).ToLowerInvariant()} {(removed.Count == 1 ? "is" : "are")} gone";
        var measures = string.Create(
            CultureInfo.InvariantCulture,
            $"label shift {labelShift:0.###}, PSI {psi:0.###} over {HistogramBins} equal-width bins of input values, "
            + $"threshold {threshold:0.###}");
        return scenario switch
        {
            Scenario.ClassIncremental =>
                $"{Classes(added)} {(added.Count == 1 ? "is" : "are")} new{(gone == "" ? "" : $" and {gone}")}: "
                + $"class-incremental ({measures}).",
            Scenario.DomainIncremental =>
                $"No class is new{(gone == "" ? "" : $" ({gone})")}, but the "
                + $"{(psi > threshold && labelShift > threshold ? "inputs drift and the labels shift"
                    : psi > threshold ? "inputs drift" : "labels shift")}: domain-incremental ({measures}).",
            _ => $"No class is new{(gone == "" ? "" : $" ({gone})")} and nothing moves over the threshold: "
                + $"no change ({measures}).",
        };
    }

    private static string Classes(List<int> classes) =>
        (classes.Count == 1 ? "Class " : "Classes ") + string.Join(", ", classes);
}
