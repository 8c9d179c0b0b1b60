using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Continuum.ServiceDefaults.Health;
using Continuum.ServiceDefaults.Messaging;
using Continuum.ServiceDefaults.Persistence;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Continuum.ServiceDefaults;

/// <summary>
/// The one place shared plumbing is set up. A host calls <see cref="AddContinuumService"/> (through each
/// service's <c>AddXxx</c>) for every service it runs, then <see cref="BuildContinuumApp"/>; the same code
/// hosts one service or all of them.
/// </summary>
public static class ContinuumDefaults
{
    /// <summary>The port a host listens on when nothing else is configured.</summary>
    public const int DefaultPort = 5000;

    /// <summary>
    /// Registers a service's database, migrations, health and consumers, and the shared defaults once.
    /// </summary>
    public static WebApplicationBuilder AddContinuumService(
        this WebApplicationBuilder builder, ContinuumService service)
    {
        var modules = AddDefaultsOnce(builder);
        var options = builder.Configuration.GetSection(ContinuumOptions.SectionName).Get<ContinuumOptions>() ?? new();

        builder.Services.AddSingleton(service);
        var healthChecks = builder.Services.AddHealthChecks();
        if (service.MigrationsAssembly is { } assembly)
        {
            builder.Services.AddKeyedSingleton(service.Name, (_, _) => ServiceDatabase.Create(service.Name, options));
            builder.Services.AddSingleton(new ServiceSchema(service.Name, assembly));
            healthChecks.Add(new HealthCheckRegistration(
                service.Name + "-database",
                sp => new DatabaseHealthCheck(sp.GetRequiredKeyedService<ServiceDatabase>(service.Name)),
                HealthStatus.Unhealthy,
                [service.Name]));
        }
        else
        {
            // A service without tables is healthy while its process answers.
            healthChecks.AddCheck(service.Name, () => HealthCheckResult.Healthy(), [service.Name]);
        }

        builder.Services.Configure<GrpcHealthChecksOptions>(o =>
            o.Services.Map(service.GrpcServiceName,
                r => r.Tags.Contains(service.Name) || r.Tags.Contains(BusHealthTag)));

        if (service.ConfigureBus is { } configureBus)
        {
            modules.Registrations.Add(configureBus);
        }

        return builder;
    }

    /// <summary>Adds the bus with every service's consumers, builds the app and maps health and reflection.</summary>
    public static WebApplication BuildContinuumApp(this WebApplicationBuilder builder)
    {
        var modules = AddDefaultsOnce(builder);
        var options = builder.Configuration.GetSection(ContinuumOptions.SectionName).Get<ContinuumOptions>() ?? new();
        ContinuumBus.Add(builder.Services, options, modules);

        var app = builder.Build();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>MassTransit tags its bus health check with this; every service's health includes it.</summary>
    private const string BusHealthTag = "masstransit";

    private static BusModules AddDefaultsOnce(WebApplicationBuilder builder)
    {
        var existing = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(BusModules));
        if (existing?.ImplementationInstance is BusModules found)
        {
            return found;
        }

        var modules = new BusModules();
        builder.Services.AddSingleton(modules);

        builder.Services.AddOptions<ContinuumOptions>()
            .Bind(builder.Configuration.GetSection(ContinuumOptions.SectionName));
        ConfigureLogging(builder);
        ConfigureKestrel(builder);

        builder.Services.AddGrpc(o =>
        {
            o.EnableDetailedErrors = builder.Environment.IsDevelopment();
            o.Interceptors.Add<UnimplementedInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks();

        builder.Services.AddSingleton<IBlobStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<ContinuumOptions>>().Value;
            return new LocalBlobStore(Path.Combine(Path.GetFullPath(options.DataDir), options.Blobs.Root));
        });

        builder.Services.AddSingleton<PeerChannels>();
        builder.Services.AddSingleton<MigrationRunner>();
        builder.Services.AddHostedService<MigrationHostedService>();
        return modules;
    }

    private static void ConfigureLogging(WebApplicationBuilder builder)
    {
        // Defaults below every other source, so appsettings, environment and command line still override them:
        // one line per request at Information would drown what the services themselves say.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Information",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            },
        });

        // Message templates are kept as structured fields; Logging:Console:FormatterName=json writes them as JSON.
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
    }

    private static void ConfigureKestrel(WebApplicationBuilder builder)
    {
        // gRPC needs HTTP/2; without TLS there is no negotiation, so endpoints speak HTTP/2 only.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureEndpointDefaults(l => l.Protocols = HttpProtocols.Http2));

        var hasUrls = !string.IsNullOrEmpty(builder.Configuration["urls"])
            || !string.IsNullOrEmpty(builder.Configuration["http_ports"])
            || builder.Configuration.GetSection("Kestrel:Endpoints").Exists();
        if (!hasUrls)
        {
            builder.WebHost.UseUrls($"http://localhost:{DefaultPort}");
        }
    }
}
