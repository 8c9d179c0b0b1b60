namespace Continuum.Events;

/// <summary>
/// A summary of DataService.CompareDatasetVersions, carried in events.
/// The schema is <c>continuum.events.v1.VersionComparison</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record VersionComparison
{
    /// <summary>Required. Name of the version compared against (the previous one).</summary>
    public required string PreviousVersion { get; init; }

    /// <summary>Required. A continuum.data.v1.Scenario value name, e.g. "SCENARIO_CLASS_INCREMENTAL".</summary>
    public required string Scenario { get; init; }

    /// <summary>Required. Labels new in this version.</summary>
    public IReadOnlyList<int> ClassesAdded { get; init; } = [];

    /// <summary>Required. Labels no longer present.</summary>
    public IReadOnlyList<int> ClassesRemoved { get; init; } = [];

    /// <summary>Required. Total variation distance between the label distributions.</summary>
    public double LabelShift { get; init; }

    /// <summary>Required. Population stability index of the input values.</summary>
    public double PopulationStabilityIndex { get; init; }

    /// <summary>Required. Whether drift or label shift is above the threshold.</summary>
    public bool DriftDetected { get; init; }
}
