using System.Collections.Concurrent;
using System.Text.Json;
using Continuum.Events;
using Continuum.ServiceDefaults;
using Continuum.Tests.Infrastructure;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Tests.Messaging;

public sealed class EventBusTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Publish_ModelVersionCreated_ConsumerReceivesEveryField(Backend backend)
    {
        var inbox = new Inbox();
        var app = await StartAsync(backend, inbox);
        try
        {
            await PublishAndReceiveAsync(app, inbox);
        }
        finally
        {
            await app.StopAsync().WaitAsync(TestEnvironment.Timeout);
            await app.DisposeAsync();
        }
    }

    private static async Task PublishAndReceiveAsync(WebApplication app, Inbox inbox)
    {
        var sent = new ModelVersionCreated
        {
            EventId = Guid.NewGuid().ToString(),
            OccurredAt = new DateTimeOffset(2026, 12, 3, 16, 30, 15, 123, TimeSpan.Zero),
            Model = "models/fashion",
            ModelVersion = "models/fashion/versions/7",
            VersionNumber = 7,
            ArtifactSha256 = new string('c', 64),
            ArtifactSizeBytes = 9_876_543_210,
            ParentModelVersion = "models/fashion/versions/6",
            TrainingDatasetVersions = ["datasets/fmnist/versions/4", "datasets/fmnist-replay/versions/2"],
            TrainingJob = "trainingJobs/j-1",
            AverageAccuracy = 0.8125,
            Forgetting = 0.0625,
            CreatedBy = "ci",
        };

        await app.Services.GetRequiredService<IPublishEndpoint>().Publish(sent).WaitAsync(TestEnvironment.Timeout);
        var received = await inbox.WaitForAsync(sent.EventId).WaitAsync(TestEnvironment.Timeout);

        // Records with lists compare lists by reference, so compare what a subscriber would see: the JSON.
        Assert.Equal(JsonSerializer.Serialize(sent), JsonSerializer.Serialize(received));
        Assert.Equal(["datasets/fmnist/versions/4", "datasets/fmnist-replay/versions/2"], received.TrainingDatasetVersions);
        Assert.Equal(9_876_543_210, received.ArtifactSizeBytes);
    }

    private static async Task<WebApplication> StartAsync(Backend backend, Inbox inbox)
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--Continuum:DataDir={TestEnvironment.NewTempDir()}",
            "--Logging:LogLevel:Default=Warning",
        };
        if (backend == Backend.Server)
        {
            args.Add("--Continuum:Bus:Transport=RabbitMq");
            args.Add($"--Continuum:Bus:RabbitMqUri={TestEnvironment.RabbitMqUri}");
            args.Add($"--Continuum:Bus:QueuePrefix={TestEnvironment.UniqueName("test")}");
        }

        var builder = WebApplication.CreateBuilder([.. args]);
        builder.Services.AddSingleton(inbox);
        builder.AddContinuumService(new ContinuumService("bustest", "continuum.test.v1.BusTest")
        {
            // Temporary: the queue goes away with the test instead of piling up on the shared broker.
            ConfigureBus = bus => bus.AddConsumer<InboxConsumer>().Endpoint(e => e.Temporary = true),
        });
        var app = builder.BuildContinuumApp();
        await app.StartAsync().WaitAsync(TestEnvironment.Timeout);
        return app;
    }

    public sealed class Inbox
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<ModelVersionCreated>> waiting = new();

        public Task<ModelVersionCreated> WaitForAsync(string eventId) => Slot(eventId).Task;

        public void Deliver(ModelVersionCreated message) => Slot(message.EventId).TrySetResult(message);

        private TaskCompletionSource<ModelVersionCreated> Slot(string eventId) =>
            waiting.GetOrAdd(eventId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public sealed class InboxConsumer(Inbox inbox) : IConsumer<ModelVersionCreated>
    {
        public Task Consume(ConsumeContext<ModelVersionCreated> context)
        {
            inbox.Deliver(context.Message);
            return Task.CompletedTask;
        }
    }
}
