using MassTransit;

namespace Continuum.ServiceDefaults.Messaging;

/// <summary>
/// Exchange names behind a prefix, <c>{prefix}.Continuum.Events:ModelVersionCreated</c>, so that installations
/// sharing one broker with different <c>Continuum:Bus:QueuePrefix</c> values never hear each other's events. A
/// subscriber outside Continuum sets the same formatter (or binds to those names) to hear one installation.
/// </summary>
public sealed class PrefixedEntityNameFormatter(IEntityNameFormatter inner, string prefix) : IEntityNameFormatter
{
    public string FormatEntityName<T>() => $"{prefix}.{inner.FormatEntityName<T>()}";
}
