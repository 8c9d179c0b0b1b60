using System.Diagnostics;

namespace Continuum.Bench;

public static class Measure
{
    /// <summary>
    /// Runs ours and the baseline alternately, <paramref name="rounds"/> times each, and returns the median
    /// seconds of each: alternating spreads the machine's noise over both sides evenly.
    /// </summary>
    /// <param name="reset">Untimed work after each run of ours, e.g. removing what it stored.</param>
    /// <param name="before">Untimed work before each run of either side, e.g. emptying a cache.</param>
    public static async Task<(double Ours, double Baseline)> PairedMedianSecondsAsync(
        Func<Task> ours, Func<Task> baseline, int rounds, Func<Task>? reset = null, Action? before = null)
    {
        var oursTimes = new List<double>();
        var baselineTimes = new List<double>();
        reset ??= () => Task.CompletedTask;
        before ??= () => { };
        await ours();
        await reset();
        await baseline();
        for (var i = 0; i < rounds; i++)
        {
            before();
            oursTimes.Add(await TimeAsync(ours));
            await reset();
            before();
            baselineTimes.Add(await TimeAsync(baseline));
        }

        return (Median(oursTimes), Median(baselineTimes));
    }

    private static async Task<double> TimeAsync(Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
