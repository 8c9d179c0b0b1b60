using Continuum.Contracts;
using Continuum.ServiceDefaults;
using Continuum.Training.Jobs;
using Continuum.Training.Policies;
using Continuum.Training.Worker;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Training;

/// <summary>
/// Adds the training service to a host: its database and migrations, health, gRPC endpoint and, unless
/// <c>Continuum:Training:Worker:Enabled</c> is false, a worker that runs jobs from the queue.
/// </summary>
public static class TrainingServiceExtensions
{
    /// <summary>Key of the training service's database; also its PostgreSQL schema.</summary>
    public const string ServiceName = "training";

    public static WebApplicationBuilder AddTrainingService(this WebApplicationBuilder builder)
    {
        var worker = builder.Configuration.GetSection(TrainingWorkerOptions.SectionName).Get<TrainingWorkerOptions>()
            ?? new TrainingWorkerOptions();
        builder.AddContinuumService(new ContinuumService(ServiceCatalog.Training.Name, ServiceCatalog.Training.GrpcName)
        {
            MigrationsAssembly = typeof(TrainingServiceExtensions).Assembly,
            ConfigureBus = bus =>
            {
                bus.AddConsumer<PolicyArrivalConsumer>();
                bus.AddConsumer<PolicyJobEndedConsumer>();
                if (worker.Enabled)
                {
                    bus.AddConsumer<RunTrainingJobConsumer>(typeof(RunTrainingJobConsumerDefinition));
                    // Every worker hears every cancel request: a queue of its own, gone when it stops.
                    bus.AddConsumer<TrainingJobCancelRequestedConsumer>().Endpoint(e =>
                    {
                        e.InstanceId = Guid.NewGuid().ToString("N")[..12];
                        e.Temporary = true;
                    });
                }
            },
        });
        builder.Services.AddOptions<TrainingWorkerOptions>()
            .Bind(builder.Configuration.GetSection(TrainingWorkerOptions.SectionName));
        builder.Services.AddSingleton<TrainingJobRepository>();
        builder.Services.AddSingleton<SpecValidator>();
        builder.Services.AddSingleton<JobSubmission>();
        builder.Services.AddSingleton<PolicyRepository>();
        builder.Services.AddSingleton<PolicyDefinitions>();
        builder.Services.AddSingleton<PolicyLoop>();
        builder.Services.AddSingleton<ExampleCache>();
        builder.Services.AddSingleton<ModelRegistration>();
        builder.Services.AddSingleton<ReplayBuffers>();
        builder.Services.AddSingleton<StrategyPreparation>();
        builder.Services.AddSingleton<JobExecution>();
        builder.Services.AddSingleton<TrainingJobRunner>();
        builder.Services.AddSingleton<RunningJobs>();
        var bus = builder.Configuration.GetSection(ContinuumOptions.SectionName).Get<ContinuumOptions>()?.Bus;
        if (worker.Enabled && (bus?.Transport ?? BusTransport.InMemory) == BusTransport.InMemory)
        {
            builder.Services.AddHostedService<UnfinishedJobRecovery>();
        }

        return builder;
    }

    public static WebApplication MapTrainingService(this WebApplication app)
    {
        app.MapGrpcService<TrainingGrpcService>();
        return app;
    }
}
