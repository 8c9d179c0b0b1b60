using Continuum.Ml.Continual;
using Xunit;

namespace Continuum.Tests.Ml;

/// <summary>The scorecard of a fixed, hand-checked table of accuracies.</summary>
public sealed class AccuracyMatrixTests
{
    // Three tasks: learned well, then partly forgotten.
    private static readonly double[][] Table =
    [
        [0.90],
        [0.60, 0.80],
        [0.30, 0.50, 0.70],
    ];

    [Fact]
    public void Summary_ThreeTasks_HandComputedValues()
    {
        var matrix = new AccuracyMatrix(Table);

        // (0.30 + 0.50 + 0.70) / 3
        Assert.Equal(0.5, matrix.AverageAccuracy, 12);
        // Task 0: best 0.90, final 0.30; task 1: best 0.80, final 0.50; the last task has none.
        Assert.Equal([0.6, 0.3, 0.0], matrix.TaskForgetting.Select(f => Math.Round(f, 12)));
        Assert.Equal(0.45, matrix.Forgetting, 12);
        // ((0.30 - 0.90) + (0.50 - 0.80)) / 2
        Assert.Equal(-0.45, matrix.BackwardTransfer, 12);
        Assert.Equal(3, matrix.TaskCount);
    }

    [Fact]
    public void Summary_OneRow_NoForgettingAndAverageOfTheRow()
    {
        var matrix = new AccuracyMatrix([[0.5, 0.7]]);

        Assert.Equal(0.6, matrix.AverageAccuracy, 12);
        Assert.Equal(0, matrix.Forgetting);
        Assert.Equal(0, matrix.BackwardTransfer);
    }

    [Fact]
    public void Add_RowShorterThanTheLast_Refused()
    {
        var matrix = new AccuracyMatrix(Table);

        var error = Assert.Throws<ArgumentException>(() => matrix.Add([0.9, 0.9]));

        Assert.Contains("3 at least", error.Message);
    }
}
