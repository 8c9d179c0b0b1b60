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
        var inbox = new EventInbox<ModelVersionCreated>();
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

    private static async Task PublishAndReceiveAsync(WebApplication app, EventInbox<ModelVersionCreated> inbox)
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
        var received = await inbox.WaitForAsync(e => e.EventId == sent.EventId);

        // Records with lists compare lists by reference, so compare what a subscriber would see: the JSON.
        Assert.Equal(JsonSerializer.Serialize(sent), JsonSerializer.Serialize(received));
        Assert.Equal(["datasets/fmnist/versions/4", "datasets/fmnist-replay/versions/2"],
            received.TrainingDatasetVersions);
        Assert.Equal(9_876_543_210, received.ArtifactSizeBytes);
    }

    private static async Task<WebApplication> StartAsync(Backend backend, EventInbox<ModelVersionCreated> inbox)
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
        inbox.AttachTo(builder);
        var app = builder.BuildContinuumApp();
        await app.StartAsync().WaitAsync(TestEnvironment.Timeout);
        return app;
    }
}
