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
}
