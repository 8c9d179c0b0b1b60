using Continuum.Contracts;
using Continuum.Data.Ingest;
using Continuum.Data.Storage;
using Continuum.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Data;

/// <summary>Adds the data service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class DataServiceExtensions
{
    public const string ServiceName = "data";

    public static WebApplicationBuilder AddDataService(this WebApplicationBuilder builder)
    {
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Data.Name, ServiceCatalog.Data.GrpcName)
        {
            MigrationsAssembly = typeof(DataServiceExtensions).Assembly,
        });
        builder.Services.AddSingleton<DatasetRepository>();
        builder.Services.AddSingleton<ContentCache>();
        builder.Services.AddScoped<VersionStore>();
        builder.Services.AddHostedService<StaleUploadSweeper>();
        return builder;
    }

    public static WebApplication MapDataService(this WebApplication app)
    {
        app.MapGrpcService<DataGrpcService>();
        return app;
    }
}
