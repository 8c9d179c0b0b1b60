namespace Continuum.Events;

/// <summary>
/// A compression job succeeded and its result was registered.
/// The schema is <c>continuum.events.v1.CompressionJobCompleted</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record CompressionJobCompleted
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the job succeeded.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `compressionJobs/{compression_job}`.</summary>
    public required string CompressionJob { get; init; }

    /// <summary>Required. The version that was compressed.</summary>
    public required string SourceModelVersion { get; init; }

    /// <summary>Required. The compressed version as registered.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>Required. "int8", "prune" or "distill".</summary>
    public required string Method { get; init; }

    /// <summary>Required. Artifact size before, in bytes.</summary>
    public long SizeBytesBefore { get; init; }

    /// <summary>Required. Artifact size after, in bytes.</summary>
    public long SizeBytesAfter { get; init; }

    /// <summary>Required. Median latency per example before, in milliseconds.</summary>
    public double LatencyMsBefore { get; init; }

    /// <summary>Required. Median latency per example after, in milliseconds.</summary>
    public double LatencyMsAfter { get; init; }

    /// <summary>Required. Mean accuracy over the evaluation splits before.</summary>
    public double AverageAccuracyBefore { get; init; }

    /// <summary>Required. Mean accuracy over the evaluation splits after.</summary>
    public double AverageAccuracyAfter { get; init; }

    /// <summary>Required. The largest accuracy drop on any evaluation split.</summary>
    public double MaxAccuracyDrop { get; init; }
}
