using System.Collections.Concurrent;
using Continuum.Events;
using Continuum.ServiceDefaults.Messaging;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Training.V1;
using Grpc.Net.Client;
using MassTransit;
using Xunit.Abstractions;

namespace Continuum.Tests.Training;

/// <summary>
/// Server mode as deployed: the whole suite in a process of its own on PostgreSQL and RabbitMQ, and a subscriber
/// that is nothing but its own consumer on the broker, as a serving fleet or a report would be.
/// </summary>
public sealed class PolicyEventsServerTests(ITestOutputHelper log)
{
    private static readonly int[][] Arrivals = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]];

    [Fact]
    public async Task FiveArrivals_SubscriberHearsFiveVersionsAndOneAliasChangePerPromotion()
    {
        await using var database = await TemporaryPostgresDatabase.CreateAsync();
        var prefix = TestEnvironment.UniqueName("test");
        var model = TestEnvironment.UniqueName("loop").Replace('_', '-');
        var created = new ConcurrentQueue<ModelVersionCreated>();
        var moved = new ConcurrentQueue<ModelAliasChanged>();
        var subscriber = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(new Uri(TestEnvironment.RabbitMqUri));
            // The suite below publishes behind its queue prefix; a subscriber of that installation names it too.
            cfg.MessageTopology.SetEntityNameFormatter(
                new PrefixedEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, prefix));
            cfg.ReceiveEndpoint(new TemporaryEndpointDefinition(), e =>
            {
                e.Handler<ModelVersionCreated>(c => Keep(created, c.Message, c.Message.ModelVersion, model));
                e.Handler<ModelAliasChanged>(c => Keep(moved, c.Message, c.Message.Model, model));
            });
        });
        await subscriber.StartAsync().WaitAsync(TestEnvironment.Timeout);
        using var suite = await ServiceProcess.StartAsync("suite", "Continuum.Host",
        [
            "--urls=http://127.0.0.1:0",
            $"--Continuum:DataDir={TestEnvironment.NewTempDir()}",
            "--Continuum:Database:Provider=Postgres",
            $"--Continuum:Database:ConnectionString={database.ConnectionString}",
            "--Continuum:Bus:Transport=RabbitMq",
            $"--Continuum:Bus:RabbitMqUri={TestEnvironment.RabbitMqUri}",
            $"--Continuum:Bus:QueuePrefix={prefix}",
            "--Logging:LogLevel:Default=Warning",
        ]);
        try
        {
            using var channel = GrpcChannel.ForAddress(suite.Address);
            await new DataClient(channel).CreateFashionDatasetAsync("fm");
            var policies = new PolicyClient(channel);
            var policy = await policies.CreateAsync("loop", PolicyClient.Replay("fm", model, maxForgetting: 0.3));

            Policy done = policy;
            foreach (var classes in Arrivals)
            {
                var version = await policies.ArriveAsync("fm", classes);
                done = await policies.WaitForRunsAsync(policy.Name, version);
            }

            var runs = done.RecentRuns.Reverse().ToList();
            var promoted = runs.Where(r => r.Promoted).Select(r => r.ModelVersion).ToList();
            await WaitUntilAsync(() => created.Count >= 5 && moved.Count >= promoted.Count);
            log.WriteLine(string.Join(Environment.NewLine, runs.Select(r => $"{r.DatasetVersion} {r.State} "
                + $"{r.ModelVersion} {string.Join("; ", r.GateReasons)}")));

            Assert.Equal(5, runs.Count);
            Assert.All(runs, r => Assert.NotEqual(PolicyRunState.Failed, r.State));
            Assert.Equal(Enumerable.Range(1, 5).Select(n => $"models/{model}/versions/{n}"),
                created.Select(e => e.ModelVersion));
            Assert.Contains($"models/{model}/versions/1", promoted);
            Assert.Equal(promoted, moved.Select(e => e.ModelVersion));
            Assert.All(moved, e => Assert.Equal($"models/{model}/aliases/champion", e.Alias));
        }
        catch
        {
            log.WriteLine(suite.Output);
            throw;
        }
        finally
        {
            await subscriber.StopAsync();
        }
    }

    private static Task Keep<T>(ConcurrentQueue<T> into, T message, string modelName, string model)
    {
        if (modelName.StartsWith($"models/{model}", StringComparison.Ordinal))
        {
            into.Enqueue(message);
        }

        return Task.CompletedTask;
    }

    private static async Task WaitUntilAsync(Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TestEnvironment.Timeout;
        while (!done() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }
}
