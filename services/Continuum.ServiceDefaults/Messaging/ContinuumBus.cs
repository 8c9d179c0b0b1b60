using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.ServiceDefaults.Messaging;

/// <summary>
/// Bus registrations collected from every service a process hosts. MassTransit must be added once per
/// container, after all consumers are known, so services hand their part in here and
/// <see cref="ContinuumDefaults.BuildContinuumApp"/> adds the bus at the end.
/// </summary>
internal sealed class BusModules
{
    public List<Action<IBusRegistrationConfigurator>> Registrations { get; } = [];
}

internal static class ContinuumBus
{
    public static void Add(IServiceCollection services, ContinuumOptions options, BusModules modules)
    {
        services.AddMassTransit(bus =>
        {
            // MassTransit reports usage to its vendor over the internet by default; a service of ours calls no one.
            bus.DisableUsageTelemetry();
            bus.SetEndpointNameFormatter(
                new KebabCaseEndpointNameFormatter(options.Bus.QueuePrefix, includeNamespace: false));
            foreach (var register in modules.Registrations)
            {
                register(bus);
            }

            if (options.Bus.Transport == BusTransport.RabbitMq)
            {
                bus.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(new Uri(options.Bus.RabbitMqUri));
                    if (!string.IsNullOrEmpty(options.Bus.QueuePrefix))
                    {
                        // Queues alone are not enough: every installation's queues bind to the same exchanges.
                        cfg.MessageTopology.SetEntityNameFormatter(new PrefixedEntityNameFormatter(
                            cfg.MessageTopology.EntityNameFormatter, options.Bus.QueuePrefix));
                    }

                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });

        // Start serving only once the bus is connected, so the first request can publish.
        services.Configure<MassTransitHostOptions>(o =>
        {
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
    }
}
