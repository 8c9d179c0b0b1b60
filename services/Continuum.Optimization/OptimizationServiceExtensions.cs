using Continuum.Contracts;
using Continuum.ServiceDefaults;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Optimization;

/// <summary>Adds the optimization service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class OptimizationServiceExtensions
{
    public static WebApplicationBuilder AddOptimizationService(this WebApplicationBuilder builder) =>
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Optimization.Name,
            ServiceCatalog.Optimization.GrpcName)
        {
            MigrationsAssembly = typeof(OptimizationServiceExtensions).Assembly,
        });

    public static WebApplication MapOptimizationService(this WebApplication app)
    {
        app.MapGrpcService<OptimizationGrpcService>();
        return app;
    }
}
