using Continuum.Contracts;
using Continuum.ServiceDefaults;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Training;

/// <summary>Adds the training service to a host: its database and migrations, health, gRPC endpoint.</summary>
public static class TrainingServiceExtensions
{
    public static WebApplicationBuilder AddTrainingService(this WebApplicationBuilder builder) =>
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Training.Name, ServiceCatalog.Training.GrpcName)
        {
            MigrationsAssembly = typeof(TrainingServiceExtensions).Assembly,
        });

    public static WebApplication MapTrainingService(this WebApplication app)
    {
        app.MapGrpcService<TrainingGrpcService>();
        return app;
    }
}
