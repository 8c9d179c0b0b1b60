using Continuum.Data.Analysis;
using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Tests.Data.Analysis;

public sealed class VersionComparerTests
{
    [Fact]
    public void Compare_TinySplits_MatchesHandComputedShiftAndPsi()
    {
        // One value per example. Base labels 0,0,0,1 (shares 3/4, 1/4), target 0,1,1,1 (1/4, 3/4):
        // label shift = 0.5 * (|3/4 - 1/4| + |1/4 - 3/4|) = 0.5.
        // Values span [0, 1]: 0 falls in bin 0 and 1 in bin 19 of 20; the 18 empty bins are 1e-4 on both
        // sides and add nothing. PSI = (1/4 - 3/4) ln(1/3) + (3/4 - 1/4) ln(3) = ln 3 = 1.098612.
        // Base mean 1/4 and stddev sqrt(1/4 * 3/4) = 0.433013; the target mirrors it with mean 3/4.
        var baseSplit = Examples([0, 0, 0, 1], [0f, 0f, 0f, 1f]);
        var target = Examples([0, 1, 1, 1], [0f, 1f, 1f, 1f]);

        var comparison = VersionComparer.Compare(baseSplit, target, classCount: 2, driftThreshold: 0.2);

        Assert.Equal(0.5, comparison.LabelShift, 12);
        Assert.Equal(Math.Log(3), comparison.PopulationStabilityIndex, 12);
        Assert.Equal([0.75, 0.25], comparison.BaseClassFractions);
        Assert.Equal([0.25, 0.75], comparison.TargetClassFractions);
        Assert.Equal(0.25, comparison.BaseStatistics.Mean, 12);
        Assert.Equal(0.433013, comparison.BaseStatistics.Stddev, 6);
        Assert.Equal(0.75, comparison.TargetStatistics.Mean, 12);
        Assert.Equal((0.0, 1.0), (comparison.TargetStatistics.Min, comparison.TargetStatistics.Max));
        Assert.True(comparison.DriftDetected);
        Assert.Equal(Scenario.DomainIncremental, comparison.Scenario);
    }

    [Fact]
    public void Compare_BinEmptyOnOneSide_CountsItWithTheFlooredShare()
    {
        // Base values 0,0 (bin 0 holds all, bin 19 none -> 1e-4); target 0,1 (1/2 and 1/2).
        // PSI = (1/2 - 1) ln(1/2) + (1/2 - 1e-4) ln(1/2 / 1e-4) = 0.346574 + 0.4999 * 8.517193 = 4.604318.
        var comparison = VersionComparer.Compare(Examples([0, 0], [0f, 0f]), Examples([0, 0], [0f, 1f]), 1, 0.2);

        Assert.Equal(4.604318, comparison.PopulationStabilityIndex, 5);
        Assert.Equal(0.0, comparison.LabelShift);
    }

    [Fact]
    public void Compare_ValuesAcrossVectorLanes_MatchesHandCountedHistogram()
    {
        // 1002 values (vector blocks plus a scalar tail): 50 at the centre of each of the 20 bins, then 0 and 1,
        // so base counts are 51, 50 x 18, 51. The target is 1001 values in bin 0 and one on the upper edge (1).
        // PSI = (1001/1002 - 51/1002) ln(1001/51) + (1/1002 - 51/1002) ln(1/51)
        //     + 18 (1e-4 - 50/1002) ln(1e-4 / (50/1002)) = 2.822437 + 0.196199 + 5.569007 = 8.587643.
        // Base mean 0.5; stddev sqrt(mean of (x - 0.5)^2) = 0.288891 (summed by python3 over the 1002 values).
        var spread = Enumerable.Range(0, 1000).Select(k => (k % 20 + 0.5f) / 20).Append(0f).Append(1f).ToArray();
        var skewed = Enumerable.Repeat(0.025f, 1001).Append(1f).ToArray();
        var labels = new long[1002];

        var comparison = VersionComparer.Compare(Examples(labels, spread), Examples(labels, skewed), 1, 0.2);

        Assert.Equal(8.587643, comparison.PopulationStabilityIndex, 5);
        Assert.Equal(0.5, comparison.BaseStatistics.Mean, 6);
        Assert.Equal(0.288891, comparison.BaseStatistics.Stddev, 6);
    }

    [Fact]
    public void Compare_RangeWiderThanFloat_BinsWithoutOverflow()
    {
        // max - min = 6e38 overflows float32, so the double path bins: base -3e38 and 3e38 in bins 0 and 19,
        // target both in bin 0. PSI = (1 - 1/2) ln 2 + (1e-4 - 1/2) ln(1e-4 / (1/2)) = 4.604318, as above.
        var comparison = VersionComparer.Compare(
            Examples([0, 0], [-3e38f, 3e38f]), Examples([0, 0], [-3e38f, -3e38f]), 1, 0.2);

        Assert.Equal(4.604318, comparison.PopulationStabilityIndex, 5);
    }

    [Fact]
    public void Compare_DisjointClasses_ClassIncremental()
    {
        var baseSplit = Examples([0, 1, 0, 1], [0.1f, 0.2f, 0.3f, 0.4f]);
        var target = Examples([2, 3, 3, 2], [0.1f, 0.2f, 0.3f, 0.4f]);

        var comparison = VersionComparer.Compare(baseSplit, target, classCount: 4, driftThreshold: 0.2);

        Assert.Equal(Scenario.ClassIncremental, comparison.Scenario);
        Assert.Equal([2, 3], comparison.ClassesAdded);
        Assert.Equal([0, 1], comparison.ClassesRemoved);
        Assert.Equal(1.0, comparison.LabelShift, 12);
        Assert.Equal(0.0, comparison.PopulationStabilityIndex, 12);
        Assert.StartsWith("Classes 2, 3 are new and classes 0, 1 are gone: class-incremental", comparison.Summary);
    }

    [Fact]
    public void Compare_InvertedDarkValues_DomainIncremental()
    {
        // Mostly dark inputs (0 or 0.1, some bright 0.9): 1 - x is mostly bright, a different histogram.
        float[] dark = [0f, 0f, 0.1f, 0.9f, 0f, 0.1f, 0f, 0f, 0f, 0.9f, 0f, 0.1f];
        var baseSplit = Examples([0, 1, 0], dark);
        var inverted = Examples([0, 1, 0], dark.Select(x => 1 - x).ToArray());

        var comparison = VersionComparer.Compare(baseSplit, inverted, classCount: 2, driftThreshold: 0.2);

        Assert.Equal(Scenario.DomainIncremental, comparison.Scenario);
        Assert.Empty(comparison.ClassesAdded);
        Assert.Equal(0.0, comparison.LabelShift);
        Assert.True(comparison.PopulationStabilityIndex > 1, $"PSI {comparison.PopulationStabilityIndex}");
        Assert.True(comparison.DriftDetected);
        Assert.Contains("inputs drift", comparison.Summary);
    }

    [Fact]
    public void Compare_IdenticalContent_NoChange()
    {
        var content = new DatasetContent([2], [Examples([0, 1, 1], [0f, 0.5f, 1f, 0.25f, 0.75f, 0.5f])]);

        var comparison = VersionComparer.Compare(
            content, content, Split.Train, 2, VersionComparer.DefaultDriftThreshold);

        Assert.Equal(Scenario.NoChange, comparison.Scenario);
        Assert.Equal(0.0, comparison.PopulationStabilityIndex);
        Assert.Equal(0.0, comparison.LabelShift);
        Assert.False(comparison.DriftDetected);
        Assert.Equal(0.2, comparison.DriftThreshold);
        Assert.Equal(Split.Train, comparison.Split);
        Assert.Equal("", comparison.BaseVersion);
    }

    [Fact]
    public void Compare_SplitMissingFromTarget_ThrowsForSplitField()
    {
        var withTest = new DatasetContent([1], [Examples([0], [0f]), Examples([0], [0f], Split.Test)]);
        var trainOnly = new DatasetContent([1], [Examples([0], [0f])]);

        var error = Assert.Throws<DataValidationException>(
            () => VersionComparer.Compare(withTest, trainOnly, Split.Test, 1, 0.2));

        Assert.Equal("split", error.Field);
    }

    internal static SplitExamples Examples(long[] labels, float[] features, Split split = Split.Train) =>
        new(split, labels, features);
}
