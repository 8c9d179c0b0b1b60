using Continuum.Contracts;
using Continuum.Gateway.Events;
using Continuum.ServiceDefaults;
using Grpc.AspNetCore.HealthChecks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy.Transforms;

namespace Continuum.Gateway;

/// <summary>
/// Adds the gateway: the one door for clients. In embedded mode the services share its process; with
/// routes configured it forwards each routed service's calls to that service's process and reports that
/// process's health as its own. In both it keeps the log of every event on the bus that WatchEvents streams.
/// </summary>
public static class GatewayServiceExtensions
{
    /// <summary>Key of the gateway's database (its event log); also its PostgreSQL schema.</summary>
    public const string ServiceName = "gateway";

    public static WebApplicationBuilder AddGatewayService(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(GatewayOptions.SectionName);
        var options = section.Get<GatewayOptions>() ?? new();
        CheckRetention(options.EventRetention);
        var hosted = builder.Services.Select(d => d.ImplementationInstance).OfType<ContinuumService>()
            .Select(s => s.GrpcServiceName);
        var routed = GatewayRoutes.Resolve(options, hosted.ToHashSet());
        builder.Services.AddSingleton(new GatewayTopology(routed));
        builder.AddContinuumService(new ContinuumService(ServiceName, ServiceCatalog.Gateway.GrpcName)
        {
            MigrationsAssembly = typeof(GatewayServiceExtensions).Assembly,
            ConfigureBus = bus => bus.AddConsumer<EventLogConsumer>(typeof(EventLogConsumerDefinition)),
        });
        builder.Services.AddOptions<GatewayOptions>().Bind(section);
        builder.Services.AddSingleton<EventLog>();
        builder.Services.AddHostedService<EventRetention>();

        var healthChecks = builder.Services.AddHealthChecks();
        foreach (var route in routed)
        {
            var check = new BackendHealthCheck(route);
            healthChecks.Add(new HealthCheckRegistration(
                route.Service.Name + "-backend", _ => check, HealthStatus.Unhealthy, [route.Service.Name]));
            builder.Services.Configure<GrpcHealthChecksOptions>(o =>
                o.Services.Map(route.Service.GrpcName, r => r.Tags.Contains(route.Service.Name)));
        }

        if (routed.Count > 0)
        {
            var (routes, clusters) = GatewayRoutes.ToProxyConfig(routed);
            builder.Services.AddReverseProxy().LoadFromMemory(routes, clusters)
                .AddTransforms(t => t.AddRequestHeader(GatewayRoutes.ForwardedHeader, "1", append: false));
        }

        // TODO: API keys with project roles are not checked yet (no issue filed); run the gateway on a trusted network.
        return builder;
    }

    public static WebApplication MapGatewayService(this WebApplication app)
    {
        app.MapGrpcService<GatewayGrpcService>();
        if (app.Services.GetRequiredService<GatewayTopology>().Routed.Count > 0)
        {
            app.MapReverseProxy(proxy => proxy.Use(GatewayRoutes.RefuseLoopsAsync));
        }

        return app;
    }

    private static void CheckRetention(EventRetentionOptions retention)
    {
        const string key = GatewayOptions.SectionName + ":EventRetention";
        if (retention.MaxEvents < 1)
        {
            throw new InvalidOperationException($"{key}:MaxEvents must be at least 1, not {retention.MaxEvents}.");
        }

        if (retention.MaxAge <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{key}:MaxAge must be a positive time span such as 7.00:00:00, "
                + $"not {retention.MaxAge}.");
        }
    }
}

/// <summary>Which services this gateway forwards elsewhere; an empty list means embedded mode.</summary>
public sealed record GatewayTopology(IReadOnlyList<RoutedService> Routed);
