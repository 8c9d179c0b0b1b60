using Continuum.Contracts;
using Continuum.ServiceDefaults;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Registry;

/// <summary>Adds the registry service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class RegistryServiceExtensions
{
    public static WebApplicationBuilder AddRegistryService(this WebApplicationBuilder builder) =>
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Registry.Name, ServiceCatalog.Registry.GrpcName)
        {
            MigrationsAssembly = typeof(RegistryServiceExtensions).Assembly,
        });

    public static WebApplication MapRegistryService(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>();
        return app;
    }
}
