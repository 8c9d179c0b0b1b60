using Continuum.Contracts;
using Continuum.ServiceDefaults;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Data;

/// <summary>Adds the data service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class DataServiceExtensions
{
    public static WebApplicationBuilder AddDataService(this WebApplicationBuilder builder) =>
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Data.Name, ServiceCatalog.Data.GrpcName)
        {
            MigrationsAssembly = typeof(DataServiceExtensions).Assembly,
        });

    public static WebApplication MapDataService(this WebApplication app)
    {
        app.MapGrpcService<DataGrpcService>();
        return app;
    }
}
