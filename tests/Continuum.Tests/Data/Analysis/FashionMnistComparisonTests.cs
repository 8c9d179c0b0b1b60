using System.Diagnostics;
using Continuum.Data.Analysis;
using Continuum.Data.Content;
using Continuum.Data.V1;
using Xunit.Abstractions;

namespace Continuum.Tests.Data.Analysis;

/// <summary>The comparisons the data service must get right on real data: Fashion-MNIST, 28x28, 10 classes.</summary>
public sealed class FashionMnistComparisonTests(ITestOutputHelper output)
{
    // Decoded once for the class: the full train split is 188 MB of floats.
    private static readonly Lazy<SplitExamples> Train = new(() => Read("train", Split.Train));

    [Fact]
    public void Compare_Classes01SliceVsClasses23Slice_ClassIncremental()
    {
        var comparison = VersionComparer.Compare(Slice(0, 1), Slice(2, 3), 10, VersionComparer.DefaultDriftThreshold);

        Assert.Equal(Scenario.ClassIncremental, comparison.Scenario);
        Assert.Equal([2, 3], comparison.ClassesAdded);
        Assert.Equal([0, 1], comparison.ClassesRemoved);
        Assert.Equal(1.0, comparison.LabelShift, 12);
    }

    [Fact]
    public void Compare_SliceVsSameSliceInverted_DomainIncremental()
    {
        var slice = Slice(0, 1);
        var inverted = new SplitExamples(Split.Train, slice.Labels, slice.Features.Select(x => 1 - x).ToArray());

        var comparison = VersionComparer.Compare(slice, inverted, 10, VersionComparer.DefaultDriftThreshold);

        Assert.Equal(Scenario.DomainIncremental, comparison.Scenario);
        Assert.Empty(comparison.ClassesAdded);
        Assert.Equal(0.0, comparison.LabelShift);
        Assert.True(comparison.PopulationStabilityIndex > 1, $"PSI {comparison.PopulationStabilityIndex}");
        Assert.Equal(1 - comparison.BaseStatistics.Mean, comparison.TargetStatistics.Mean, 6);
    }

    [Fact]
    public void Compare_TrainVsTest_NoChange()
    {
        // Both splits are drawn from the same distribution, 6,000 and 1,000 per class.
        var comparison = VersionComparer.Compare(Train.Value, Read("t10k", Split.Test), 10, 0.2);

        Assert.Equal(Scenario.NoChange, comparison.Scenario);
        Assert.True(comparison.PopulationStabilityIndex < 0.01, $"PSI {comparison.PopulationStabilityIndex}");
        Assert.Equal(0.0, comparison.LabelShift, 12);
    }

    [Fact]
    public void Compare_FullTrainVsCopy_NoChangeAndTimed()
    {
        var train = Train.Value;
        var copy = new SplitExamples(Split.Train, (long[])train.Labels.Clone(), (float[])train.Features.Clone());
        VersionComparer.Compare(Slice(0), Slice(0), 10, 0.2); // warm the JIT on a small slice

        var clock = Stopwatch.StartNew();
        var comparison = VersionComparer.Compare(train, copy, 10, 0.2);
        clock.Stop();

        // Reported, not asserted: a loaded CI machine must not fail the build on timing.
        output.WriteLine($"Full train comparison (2 x {train.Features.Length:N0} values): "
            + $"{clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Equal(Scenario.NoChange, comparison.Scenario);
        Assert.Equal(0.0, comparison.PopulationStabilityIndex);
        Assert.Equal(0.1, comparison.BaseClassFractions[0], 12);
        Assert.InRange(comparison.BaseStatistics.Mean, 0.2, 0.4);
        Assert.Equal((0.0, 1.0), (comparison.BaseStatistics.Min, comparison.BaseStatistics.Max));
    }

    private static SplitExamples Slice(params int[] classes)
    {
        var content = new DatasetContent([28, 28], [Train.Value]);
        return Derivations.SelectClasses(content, classes.ToHashSet()).Get(Split.Train)!;
    }

    /// <summary>
    /// A minimal IDX reader for the test alone, so it does not depend on the service's decoder: gunzip, skip the
    /// 16-byte idx3 and 8-byte idx1 headers, scale pixels to [0, 1].
    /// </summary>
    private static SplitExamples Read(string prefix, Split split)
    {
        var pixels = FashionMnist.Gunzip(Path.Combine(FashionMnist.Dir, $"{prefix}-images-idx3-ubyte.gz"))[16..];
        var labels = FashionMnist.Gunzip(Path.Combine(FashionMnist.Dir, $"{prefix}-labels-idx1-ubyte.gz"))[8..];
        return new SplitExamples(
            split, labels.Select(b => (long)b).ToArray(), pixels.Select(b => b / 255f).ToArray());
    }
}
