using System.Reflection;
using MassTransit;

namespace Continuum.ServiceDefaults;

/// <summary>
/// How a service plugs into a host: its short name (database and health tag), its gRPC service's
/// full name (what clients ask the health service about), where its migrations live, and its consumers.
/// </summary>
public sealed record ContinuumService(string Name, string GrpcServiceName)
{
    /// <summary>Assembly with <c>Migrations/NNNN_name.sql</c> resources; null for a service with no tables.</summary>
    public Assembly? MigrationsAssembly { get; init; }

    /// <summary>Adds the service's consumers to the one bus of the process.</summary>
    public Action<IBusRegistrationConfigurator>? ConfigureBus { get; init; }
}
