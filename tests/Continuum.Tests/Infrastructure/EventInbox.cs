using System.Collections.Concurrent;
using Continuum.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Tests.Infrastructure;

/// <summary>Collects the events of one type a host publishes, so a test can wait for the one it expects.</summary>
public sealed class EventInbox<T>
    where T : class
{
    private readonly ConcurrentQueue<T> received = new();
    private readonly SemaphoreSlim arrived = new(0);

    public IReadOnlyCollection<T> Received => received;

    /// <summary>Registers this inbox's consumer on the host's bus, on a temporary queue of its own.</summary>
    public void AttachTo(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(this);
        builder.AddContinuumService(new ContinuumService("inbox_" + typeof(T).Name.ToLowerInvariant(),
            "continuum.test.v1.Inbox" + typeof(T).Name)
        {
            ConfigureBus = bus => bus.AddConsumer<InboxConsumer>().Endpoint(e => e.Temporary = true),
        });
    }

    /// <summary>The first event (received from now on or before) that matches, within the test timeout.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match)
    {
        var deadline = DateTime.UtcNow + TestEnvironment.Timeout;
        while (true)
        {
            if (received.FirstOrDefault(match) is { } found)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || !await arrived.WaitAsync(left))
            {
                throw new TimeoutException($"No matching {typeof(T).Name} arrived within {TestEnvironment.Timeout}.");
            }
        }
    }

    public sealed class InboxConsumer(EventInbox<T> inbox) : IConsumer<T>
    {
        public Task Consume(ConsumeContext<T> context)
        {
            inbox.received.Enqueue(context.Message);
            inbox.arrived.Release();
            return Task.CompletedTask;
        }
    }
}
