namespace Continuum.Gateway;

/// <summary>
/// Bound from <c>Continuum:Gateway</c>. With no routes the gateway fronts the services of its own process
/// (embedded mode); each route sends one public service, by its short name, to another process.
/// </summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Continuum:Gateway";

    /// <summary>Short service name (data, training, ...) to the address of the process hosting it.</summary>
    public Dictionary<string, string> Routes { get; set; } = [];

    /// <summary>How much of the event log <c>WatchEvents</c> can replay.</summary>
    public EventRetentionOptions EventRetention { get; set; } = new();
}

/// <summary>
/// Bound from <c>Continuum:Gateway:EventRetention</c>. An event goes once either limit is passed; a cursor from
/// before it then answers CURSOR_EXPIRED.
/// </summary>
public sealed class EventRetentionOptions
{
    /// <summary>The newest this many events are kept.</summary>
    public long MaxEvents { get; set; } = 100_000;

    /// <summary>Events received longer ago than this go (checked every minute).</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(7);
}
