namespace Continuum.Bench;

/// <summary>
/// One line of the table: what was measured, our figure, the baseline's figure from the same run, and
/// the ratio (ours / baseline, so above 1 is better for throughput) against the aim the issue set.
/// </summary>
/// <param name="Aim">The least ratio the issue asks for, if any.</param>
/// <param name="AimOurs">The least absolute figure the issue asks for, if any, in <paramref name="Unit"/>.</param>
/// <param name="AimAtMost">The greatest ratio the issue allows, if any: for figures where less is better, such as
/// memory at the end of a run against memory early in it.</param>
/// <param name="AimShortfallAtMost">The most ours may fall below the baseline, if the issue bounds that, in
/// <paramref name="Unit"/>: for figures that should come close to an upper bound, such as accuracy against the
/// accuracy of training on everything at once.</param>
public sealed record BenchResult(
    string Benchmark, string Metric, double Ours, double Baseline, string Unit, double? Aim, double? AimOurs = null,
    double? AimAtMost = null, double? AimShortfallAtMost = null)
{
    public double Ratio => Ours / Baseline;

    public bool? MeetsAim => (Aim, AimOurs, AimAtMost, AimShortfallAtMost) switch
    {
        (null, null, null, null) => null,
        _ => (Aim is null || Ratio >= Aim) && (AimOurs is null || Ours >= AimOurs)
            && (AimAtMost is null || Ratio <= AimAtMost)
            && (AimShortfallAtMost is null || Baseline - Ours <= AimShortfallAtMost),
    };

    public string AimText => string.Join(", ", new[]
    {
        Aim is { } ratio ? $"ratio >= {ratio:N2}" : null,
        AimOurs is { } ours ? $"ours >= {ours:N0} {Unit}" : null,
        AimAtMost is { } most ? $"ratio <= {most:N2}" : null,
        AimShortfallAtMost is { } shortfall ? $"ours >= baseline - {shortfall:N1} {Unit}" : null,
    }.OfType<string>());
}

public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken);
}
