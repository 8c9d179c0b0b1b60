using Continuum.Ml.Continual;

namespace Continuum.Tests.Ml.Continual;

/// <summary>Reservoir refresh counts and the replay share of a batch.</summary>
public sealed class ReplayPlanTests
{
    [Theory]
    [InlineData(100, 50, 200, 50)]
    [InlineData(0, 200, 200, 200)]
    [InlineData(0, 0, 10, 0)]
    public void NewExamplesInReservoir_EverythingFits_AllNewExamples(long seenBefore, long newCount, int capacity,
        int expected)
    {
        Assert.Equal(expected, ReplayPlan.NewExamplesInReservoir(seenBefore, newCount, capacity, seed: 1));
    }

    [Fact]
    public void NewExamplesInReservoir_NothingSeenBefore_FillsTheMemoryWithNewExamples()
    {
        Assert.Equal(200, ReplayPlan.NewExamplesInReservoir(0, 1000, 200, seed: 9));
    }

    [Fact]
    public void NewExamplesInReservoir_ManySeeds_HypergeometricMeanAndVariance()
    {
        // Population 1200 with 300 new, 200 drawn: mean 200 * 300 / 1200 = 50 and variance
        // 200 * (1/4) * (3/4) * (1000 / 1199) = 31.27, below the 37.5 of drawing with replacement.
        var counts = Enumerable.Range(0, 4000)
            .Select(seed => (double)ReplayPlan.NewExamplesInReservoir(900, 300, 200, seed)).ToList();

        var mean = counts.Average();
        var variance = counts.Sum(c => (c - mean) * (c - mean)) / (counts.Count - 1);
        Assert.InRange(mean, 50 * 0.98, 50 * 1.02);
        Assert.InRange(variance, 31.27 * 0.9, 31.27 * 1.1);
    }

    [Fact]
    public void NewExamplesInReservoir_FewOldExamples_OldOnesCannotFillTheRest()
    {
        // Only 50 old examples for 200 places: at least 150 places go to new ones.
        var counts = Enumerable.Range(0, 200).Select(seed => ReplayPlan.NewExamplesInReservoir(50, 1000, 200, seed));

        Assert.All(counts, c => Assert.InRange(c, 150, 200));
    }

    [Fact]
    public void NewExamplesInReservoir_SameSeed_SameCount()
    {
        var first = Enumerable.Range(0, 50).Select(seed => ReplayPlan.NewExamplesInReservoir(5000, 5000, 500, seed));
        var again = Enumerable.Range(0, 50).Select(seed => ReplayPlan.NewExamplesInReservoir(5000, 5000, 500, seed));

        Assert.Equal(first, again);
        Assert.True(first.Distinct().Count() > 5, "different seeds should give different counts");
    }

    [Theory]
    [InlineData(64, 0.5, 64)]
    [InlineData(64, 0.25, 21)]
    [InlineData(64, 0.0, 64)]
    [InlineData(30, 0.75, 90)]
    [InlineData(10, 0.01, 1)]
    public void ReplayExamplesPerBatch_Fraction_RoundedShareAtLeastOne(int batchSize, double fraction, int expected)
    {
        Assert.Equal(expected, ReplayPlan.ReplayExamplesPerBatch(batchSize, fraction));
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void ReplayExamplesPerBatch_FractionOutsideTheOpenInterval_Refused(double fraction)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReplayPlan.ReplayExamplesPerBatch(64, fraction));
    }
}
