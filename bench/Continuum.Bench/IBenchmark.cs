namespace Continuum.Bench;

/// <summary>
/// One line of the table: what was measured, our figure, the baseline's figure from the same run, and
/// the ratio (ours / baseline, so above 1 is better for throughput) against the aim the issue set.
/// </summary>
public sealed record BenchResult(string Benchmark, string Metric, double Ours, double Baseline, string Unit, double? Aim)
{
    public double Ratio => Ours / Baseline;

    public bool? MeetsAim => Aim is { } aim ? Ratio >= aim : null;
}

public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken);
}
