using Continuum.Contracts;
using Continuum.Registry.Artifacts;
using Continuum.Registry.Changes;
using Continuum.Registry.Storage;
using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Registry;

/// <summary>Adds the registry service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class RegistryServiceExtensions
{
    /// <summary>Key of the registry's database; also its PostgreSQL schema.</summary>
    public const string ServiceName = "registry";

    public static WebApplicationBuilder AddRegistryService(this WebApplicationBuilder builder)
    {
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Registry.Name, ServiceCatalog.Registry.GrpcName)
        {
            MigrationsAssembly = typeof(RegistryServiceExtensions).Assembly,
        });
        builder.Services.AddSingleton<ChangeSignal>();
        builder.Services.AddSingleton<ModelRepository>();
        builder.Services.AddHostedService<ChangePublisher>();
        builder.Services.AddScoped<ModelVersionStore>();
        return builder;
    }

    public static WebApplication MapRegistryService(this WebApplication app)
    {
        app.MapGrpcService<RegistryGrpcService>();
        return app;
    }
}
