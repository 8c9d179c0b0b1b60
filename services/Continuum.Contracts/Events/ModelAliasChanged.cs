namespace Continuum.Events;

/// <summary>
/// An alias was created, moved or deleted.
/// The schema is <c>continuum.events.v1.ModelAliasChanged</c> in protos/continuum/events/v1/events.proto.
/// </summary>
public sealed record ModelAliasChanged
{
    /// <summary>Required. Unique id of this event.</summary>
    public required string EventId { get; init; }

    /// <summary>Required. When the change was committed.</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Required. `models/{model}`.</summary>
    public required string Model { get; init; }

    /// <summary>Required. `models/{model}/aliases/{alias}`.</summary>
    public required string Alias { get; init; }

    /// <summary>Optional. The version it points to now; empty when deleted.</summary>
    public string ModelVersion { get; init; } = "";

    /// <summary>Optional. The version it pointed to before; empty when new.</summary>
    public string PreviousModelVersion { get; init; } = "";

    /// <summary>
    /// Required. Whether the move passed the promotion gate (PromoteModelVersion) rather than being set by hand.
    /// </summary>
    public bool Gated { get; init; }

    /// <summary>Optional. Who changed it (from the API key).</summary>
    public string ChangedBy { get; init; } = "";

    /// <summary>Optional. Why, as given by the caller.</summary>
    public string Reason { get; init; } = "";
}
