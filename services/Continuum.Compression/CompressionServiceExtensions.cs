using Continuum.Contracts;
using Continuum.ServiceDefaults;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Compression;

/// <summary>Adds the compression service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class CompressionServiceExtensions
{
    public static WebApplicationBuilder AddCompressionService(this WebApplicationBuilder builder) =>
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Compression.Name,
            ServiceCatalog.Compression.GrpcName)
        {
            MigrationsAssembly = typeof(CompressionServiceExtensions).Assembly,
        });

    public static WebApplication MapCompressionService(this WebApplication app)
    {
        app.MapGrpcService<CompressionGrpcService>();
        return app;
    }
}
