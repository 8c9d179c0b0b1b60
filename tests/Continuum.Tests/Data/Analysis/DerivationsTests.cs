using Continuum.Data.Analysis;
using Continuum.Data.Content;
using Continuum.Data.V1;

namespace Continuum.Tests.Data.Analysis;

public sealed class DerivationsTests
{
    [Fact]
    public void SelectClasses_TwoOfThree_KeepsExactlyThoseInStoredOrderInEverySplit()
    {
        var source = Content(([0, 1, 2, 1, 0, 2], Split.Train), ([2, 0, 1], Split.Test));
        var before = source.ComputeSha256();

        var selected = Derivations.SelectClasses(source, new HashSet<int> { 0, 2 });

        Assert.Equal([0L, 2, 0, 2], selected.Get(Split.Train)!.Labels);
        Assert.Equal([0f, 0.5f, 2f, 2.5f, 4f, 4.5f, 5f, 5.5f], selected.Get(Split.Train)!.Features);
        Assert.Equal([2L, 0], selected.Get(Split.Test)!.Labels);
        Assert.Equal([0f, 0.5f, 1f, 1.5f], selected.Get(Split.Test)!.Features);
        Assert.Equal(before, source.ComputeSha256());
    }

    [Fact]
    public void Sample_PerClass_TakesMinOfNAndAvailableInStoredOrder()
    {
        // Class 0 has 5 examples, class 1 has 2, class 2 has 4; three per class gives 3, 2, 3.
        var source = Content(([0, 0, 1, 2, 0, 2, 0, 1, 2, 0, 2], Split.Train), ([0, 1], Split.Test));

        var sample = Derivations.Sample(source, examplesPerClass: 3, totalExamples: null, 7, new HashSet<Split>());

        var train = sample.Get(Split.Train)!;
        Assert.Equal([3L, 2, 3], DatasetContent.ClassCounts(train, 3));
        var rows = Enumerable.Range(0, train.Count).Select(i => train.Row(i, 2)[0]).ToList();
        Assert.Equal(rows.Order(), rows);
        Assert.Equal(rows.Select(r => source.Get(Split.Train)!.Labels[(int)r]), train.Labels);
        Assert.Null(sample.Get(Split.Test));
    }

    [Fact]
    public void Sample_SameSeed_SameExamples()
    {
        var source = Content((Labels(100, 3), Split.Train));

        var first = Derivations.Sample(source, 10, null, 42, new HashSet<Split>());
        var second = Derivations.Sample(source, 10, null, 42, new HashSet<Split>());

        Assert.Equal(first.Get(Split.Train)!.Features, second.Get(Split.Train)!.Features);
    }

    [Fact]
    public void Sample_DifferentSeed_DifferentExamples()
    {
        var source = Content((Labels(100, 3), Split.Train));

        var first = Derivations.Sample(source, 10, null, 42, new HashSet<Split>());
        var second = Derivations.Sample(source, 10, null, 43, new HashSet<Split>());

        Assert.NotEqual(first.Get(Split.Train)!.Features, second.Get(Split.Train)!.Features);
    }

    [Fact]
    public void Sample_Total_SpreadsOverClassesAsCountsAllow()
    {
        // 9 over classes of 5, 2 and 4: shares of 3, class 1 capped at 2, the one left to class 0 or 2.
        var source = Content(([0, 0, 1, 2, 0, 2, 0, 1, 2, 0, 2], Split.Train));

        var counts = DatasetContent.ClassCounts(Derivations.Sample(source, null, 9, 5, new HashSet<Split>())
            .Get(Split.Train)!, 3);

        Assert.Equal(2, counts[1]);
        Assert.Equal(7, counts[0] + counts[2]);
        Assert.InRange(counts[0], 3, 4);
    }

    [Fact]
    public void Sample_TotalOverAvailable_TakesEveryExample()
    {
        var source = Content(([0, 1, 1], Split.Train));

        var sample = Derivations.Sample(source, null, 50, 1, new HashSet<Split>());

        Assert.Equal(source.Get(Split.Train)!.Features, sample.Get(Split.Train)!.Features);
    }

    [Fact]
    public void Sample_ListedSplits_SamplesOnlyThose()
    {
        var source = Content(([0, 0, 1, 1], Split.Train), ([0, 0, 1, 1], Split.Test), ([0, 1], Split.Validation));

        var sample = Derivations.Sample(source, 1, null, 3, new HashSet<Split> { Split.Train, Split.Test });

        Assert.Equal([Split.Train, Split.Test], sample.Splits.Select(s => s.Split));
        Assert.All(sample.Splits, s => Assert.Equal([1L, 1], DatasetContent.ClassCounts(s, 2)));
    }

    [Fact]
    public void Sample_ListedSplitMissing_ThrowsForSampleSplits()
    {
        var source = Content(([0, 1], Split.Train));

        var error = Assert.Throws<DataValidationException>(
            () => Derivations.Sample(source, 1, null, 0, new HashSet<Split> { Split.Validation }));

        Assert.Equal("sample.splits", error.Field);
    }

    [Fact]
    public void Union_TwoSources_ConcatenatesEachSplitInSourceOrder()
    {
        var first = Content(([0, 1], Split.Train), ([1], Split.Test));
        var second = Content(([2], Split.Train));

        var union = Derivations.Union([first, second]);

        Assert.Equal([0L, 1, 2], union.Get(Split.Train)!.Labels);
        Assert.Equal([0f, 0.5f, 1f, 1.5f, 0f, 0.5f], union.Get(Split.Train)!.Features);
        Assert.Equal([1L], union.Get(Split.Test)!.Labels);
    }

    [Fact]
    public void Union_DifferentInputShapes_ThrowsForSourceVersions()
    {
        var wide = new DatasetContent([3], [new SplitExamples(Split.Train, [0], [1f, 2f, 3f])]);

        var error = Assert.Throws<DataValidationException>(
            () => Derivations.Union([Content(([0], Split.Train)), wide]));

        Assert.Equal("union_of.source_versions", error.Field);
    }

    [Fact]
    public void Sample_TotalUniform_KeepsTheClassMixOfTheSourceWhileBalancedEvensIt()
    {
        // 9,000 of class 0 and 1,000 of class 1: a uniform draw of 1,000 keeps about 9 to 1, a balanced one 500 each.
        var labels = Enumerable.Range(0, 10_000).Select(i => i % 10 == 9 ? 1L : 0L).ToArray();
        var source = Content((labels, Split.Train));

        var uniform = Derivations.Sample(source, null, 1000, 3, new HashSet<Split>(), uniform: true).Get(Split.Train)!;
        var balanced = Derivations.Sample(source, null, 1000, 3, new HashSet<Split>()).Get(Split.Train)!;
        var again = Derivations.Sample(source, null, 1000, 3, new HashSet<Split>(), uniform: true).Get(Split.Train)!;

        var counts = DatasetContent.ClassCounts(uniform, 2);
        Assert.Equal(1000, uniform.Count);
        Assert.InRange(counts[1], 70, 130);
        Assert.Equal([500L, 500], DatasetContent.ClassCounts(balanced, 2));
        Assert.Equal(uniform.Features, again.Features);
        var rows = Enumerable.Range(0, uniform.Count).Select(i => uniform.Row(i, 2)[0]).ToList();
        Assert.Equal(rows.Order(), rows);
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }

    /// <summary>Two features per example, (i, i + 0.5) for example i, so each row names its source position.</summary>
    private static DatasetContent Content(params (long[] Labels, Split Split)[] splits) =>
        new([2], splits.Select(s => new SplitExamples(
            s.Split, s.Labels, Enumerable.Range(0, s.Labels.Length).SelectMany(i => new[] { i, i + 0.5f }).ToArray())));

    private static long[] Labels(int perClass, int classes) =>
        Enumerable.Range(0, perClass * classes).Select(i => (long)(i % classes)).ToArray();
}
