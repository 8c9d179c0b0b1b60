using System.Globalization;
using System.Text.Json;
using Continuum.Events;
using Continuum.Gateway;
using Continuum.Gateway.Events;
using Continuum.Gateway.V1;
using Continuum.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Continuum.Tests.Hosting;

/// <summary>
/// The gateway's event log and its WatchEvents stream: every bus event stored once, in order, replayed from a
/// cursor without loss or repeats, filtered by type, and cut down to its retention.
/// </summary>
public sealed class GatewayEventsTests
{
    private const string Domain = "continuum.gateway.v1.GatewayService";

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_DisconnectAfterThreeOfTen_ReconnectWithCursorGetsFourToTenOnce(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        await PublishAsync(host, 1, 3);

        var first = new List<WatchEventsResponse>();
        using (var watch = await WatchAsync(host, "0"))
        {
            for (var i = 0; i < 3; i++)
            {
                first.Add(await NextAsync(watch));
            }
        }

        // Events 4 and 5 arrive while nobody watches; 6 to 10 while the second watcher is connected.
        await PublishAsync(host, 4, 5);
        var second = new List<WatchEventsResponse>();
        using (var watch = await WatchAsync(host, first[^1].Cursor))
        {
            for (var i = 0; i < 2; i++)
            {
                second.Add(await NextAsync(watch));
            }

            await PublishAsync(host, 6, 10);
            for (var i = 0; i < 5; i++)
            {
                second.Add(await NextAsync(watch));
            }

            // Nothing repeated after event 10: the next one seen is the one published after it.
            await PublishAsync(host, 11, 11);
            Assert.Equal("e11", EventId(await NextAsync(watch)));
        }

        Assert.Equal(["e1", "e2", "e3"], first.Select(EventId));
        Assert.Equal(["e4", "e5", "e6", "e7", "e8", "e9", "e10"], second.Select(EventId));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => Event(i).GetType().Name),
            first.Concat(second).Select(e => e.EventCase.ToString()));
        var cursors = first.Concat(second).Select(e => long.Parse(e.Cursor, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), cursors);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_FromZero_ReplaysEveryEventOfEachTypeWithItsFields(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await PublishAsync(host, 1, 7);

        using var watch = await WatchAsync(host, "0");
        var replayed = new List<WatchEventsResponse>();
        for (var i = 0; i < 7; i++)
        {
            replayed.Add(await NextAsync(watch));
        }

        // The record read back from each streamed message is the one published, field for field.
        for (var i = 0; i < 7; i++)
        {
            var published = Event(i + 1);
            Assert.Equal(JsonSerializer.Serialize(published, published.GetType()),
                JsonSerializer.Serialize(ToRecord(replayed[i], published.GetType()), published.GetType()));
            Assert.InRange(replayed[i].ReceiveTime.ToDateTimeOffset(), before, DateTimeOffset.UtcNow.AddSeconds(1));
        }

        Assert.Equal(7, replayed.Select(e => e.EventCase).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_EventTypes_OnlyThoseTypesInOrderThenFollowsThem(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        await PublishAsync(host, 1, 10);

        // ModelVersionCreated and ModelAliasChanged are events 6 and 7, and after the call 13 and 14.
        using var watch = await WatchAsync(host, "0", nameof(ModelVersionCreated), nameof(ModelAliasChanged));
        var replayed = new[] { await NextAsync(watch), await NextAsync(watch) };
        await PublishAsync(host, 11, 14);
        var followed = new[] { await NextAsync(watch), await NextAsync(watch) };

        Assert.Equal(["e6", "e7", "e13", "e14"], replayed.Concat(followed).Select(EventId));
        Assert.Equal(["6", "7", "13", "14"], replayed.Concat(followed).Select(e => e.Cursor));
        Assert.Equal(WatchEventsResponse.EventOneofCase.ModelAliasChanged, followed[1].EventCase);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_EmptyCursor_OnlyEventsStoredAfterTheCall(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        await PublishAsync(host, 1, 3);
        await WaitStoredAsync(host, 3);

        using var watch = await WatchAsync(host, "");
        await PublishAsync(host, 4, 5);

        Assert.Equal(["e4", "e5"], new[] { EventId(await NextAsync(watch)), EventId(await NextAsync(watch)) });
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_SameEventPublishedTwice_AppearsOnce(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var bus = host.Services.GetRequiredService<IBus>();
        await bus.Publish(Event(1));
        await bus.Publish(Event(1));
        await bus.Publish(Event(2));

        using var watch = await WatchAsync(host, "0");
        var first = new[] { await NextAsync(watch), await NextAsync(watch) };
        // A redelivery long after the first: still stored once, and the next event follows without a gap.
        await bus.Publish(Event(1));
        await bus.Publish(Event(3));
        var next = await NextAsync(watch);

        Assert.Equal(["e1", "e2", "e3"], first.Append(next).Select(EventId));
        Assert.Equal(["1", "2", "3"], first.Append(next).Select(e => e.Cursor));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_CursorOlderThanMaxEvents_FailedPreconditionCursorExpired(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend,
            settings: ["--Continuum:Gateway:EventRetention:MaxEvents=3"]);
        await PublishAsync(host, 1, 6);
        await WaitStoredAsync(host, 6);

        var error = await FirstErrorAsync(host, "2");
        using var atEdge = await WatchAsync(host, "3");
        var kept = new[] { await NextAsync(atEdge), await NextAsync(atEdge), await NextAsync(atEdge) };
        using var all = await WatchAsync(host, "0");
        var oldest = await NextAsync(all);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var info = RpcErrorDetails.ErrorInfoOf(error);
        Assert.Equal("CURSOR_EXPIRED", info.Reason);
        Assert.Equal(Domain, info.Domain);
        Assert.Equal("3", info.Metadata["earliest_cursor"]);
        Assert.Contains("after cursor 2", error.Status.Detail);
        Assert.Equal(["e4", "e5", "e6"], kept.Select(EventId));
        Assert.Equal("4", oldest.Cursor);
        Assert.Equal("e4", EventId(oldest));
    }

    [Fact]
    public async Task Watch_EventsOlderThanMaxAgeDeleted_CursorBeforeThemExpiresAndZeroStartsAfterThem()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        await PublishAsync(host, 1, 2);
        await WaitStoredAsync(host, 2);

        // What the retention service does every minute, with a cutoff that every event so far is older than.
        var deleted = await host.Services.GetRequiredService<EventLog>()
            .PruneReceivedBeforeAsync(DateTimeOffset.UtcNow.AddSeconds(1), CancellationToken.None);
        var error = await FirstErrorAsync(host, "1");
        using var all = await WatchAsync(host, "0");
        await PublishAsync(host, 3, 3);
        var next = await NextAsync(all);

        Assert.Equal(2, deleted);
        Assert.Equal("CURSOR_EXPIRED", RpcErrorDetails.ErrorInfoOf(error).Reason);
        Assert.Equal("2", RpcErrorDetails.ErrorInfoOf(error).Metadata["earliest_cursor"]);
        Assert.Equal(("3", "e3"), (next.Cursor, EventId(next)));
    }

    [Theory]
    [InlineData("abc", "", "start_cursor")]
    [InlineData("-1", "", "start_cursor")]
    [InlineData("1.5", "", "start_cursor")]
    [InlineData(" 1", "", "start_cursor")]
    [InlineData("5", "", "start_cursor")]
    [InlineData("", "ModelDeleted", "event_types")]
    [InlineData("", "VersionComparison", "event_types")]
    [InlineData("0", "modelAliasChanged", "event_types")]
    public async Task Watch_MalformedCursorOrUnknownType_InvalidArgumentNamingTheField(
        string cursor, string type, string field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        await PublishAsync(host, 1, 1);
        await WaitStoredAsync(host, 1);

        var error = await FirstErrorAsync(host, cursor, type.Length > 0 ? [type] : []);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
        if (type.Length > 0)
        {
            Assert.Contains($"'{type}' is not an event type", error.Status.Detail);
            Assert.Contains("ModelAliasChanged", error.Status.Detail);
        }
    }

    [Theory]
    [InlineData("MaxEvents=0", "Continuum:Gateway:EventRetention:MaxEvents must be at least 1")]
    [InlineData("MaxAge=00:00:00", "Continuum:Gateway:EventRetention:MaxAge must be a positive time span")]
    public void AddGatewayService_RetentionKeepingNothing_FailsAtStartNamingTheKey(string setting, string message)
    {
        var builder = WebApplication.CreateBuilder([$"--Continuum:Gateway:EventRetention:{setting}"]);

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddGatewayService());

        Assert.StartsWith(message, error.Message);
    }

    /// <summary>Event <paramref name="i"/>: the seven types in turn, every field set, id <c>e{i}</c>.</summary>
    private static object Event(int i)
    {
        var id = $"e{i}";
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddMilliseconds(i * 1001.5);
        return ((i - 1) % 7) switch
        {
            0 => new DatasetVersionCreated
            {
                EventId = id, OccurredAt = at, Dataset = "datasets/fashion",
                DatasetVersion = $"datasets/fashion/versions/{i}", VersionNumber = i,
                ContentSha256 = new string('a', 64), TrainExampleCount = 6000, TestExampleCount = 1000,
                PresentClasses = [2, 3], Derived = true, CreatedBy = "ci",
                Comparison = new VersionComparison
                {
                    PreviousVersion = "datasets/fashion/versions/1", Scenario = "CLASS_INCREMENTAL",
                    ClassesAdded = [2, 3], ClassesRemoved = [0, 1], LabelShift = 0.5,
                    PopulationStabilityIndex = 0.25, DriftDetected = true,
                },
            },
            1 => new TrainingJobCompleted
            {
                EventId = id, OccurredAt = at, TrainingJob = $"trainingJobs/job-{i}",
                ModelVersion = "models/m/versions/2", Trial = "studies/s/trials/1",
                TrainingDatasetVersions = ["datasets/fashion/versions/2"],
                EvaluationDatasetVersions = ["datasets/fashion/versions/1", "datasets/fashion/versions/2"],
                Accuracies = [0.75, 0.5], AverageAccuracy = 0.625, Forgetting = 0.25, Strategy = "replay",
                BaseModelVersion = "models/m/versions/1", Policy = "policies/p", DurationSeconds = 12.5,
            },
            2 => new TrainingJobFailed
            {
                EventId = id, OccurredAt = at, TrainingJob = $"trainingJobs/job-{i}", ErrorCode = 9,
                ErrorMessage = "ewc cannot keep classes it no longer sees",
                ErrorReason = "UNSAFE_STRATEGY_FOR_SCENARIO", Policy = "policies/p", Trial = "studies/s/trials/2",
            },
            3 => new StudyCompleted
            {
                EventId = id, OccurredAt = at, Study = $"studies/s{i}", State = "STUDY_STATE_SUCCEEDED",
                BestTrial = $"studies/s{i}/trials/3", BestObjectiveValue = 0.875,
                ObjectiveMetric = "OBJECTIVE_METRIC_ACCURACY", CompletedTrialCount = 8,
                ModelVersion = "models/m/versions/3",
            },
            4 => new CompressionJobCompleted
            {
                EventId = id, OccurredAt = at, CompressionJob = $"compressionJobs/c{i}",
                SourceModelVersion = "models/m/versions/3", ModelVersion = "models/m/versions/4", Method = "int8",
                SizeBytesBefore = 4_000_000, SizeBytesAfter = 1_000_000, LatencyMsBefore = 2.5, LatencyMsAfter = 1.25,
                AverageAccuracyBefore = 0.875, AverageAccuracyAfter = 0.86, MaxAccuracyDrop = 0.02,
            },
            5 => new ModelVersionCreated
            {
                EventId = id, OccurredAt = at, Model = "models/m", ModelVersion = $"models/m/versions/{i}",
                VersionNumber = i, ArtifactSha256 = new string('b', 64), ArtifactSizeBytes = 5_000_000_000,
                ParentModelVersion = "models/m/versions/1", TrainingDatasetVersions = ["datasets/fashion/versions/2"],
                TrainingJob = "trainingJobs/job-2", CompressionJob = "compressionJobs/c5", Study = "studies/s4",
                Policy = "policies/p", AverageAccuracy = 0.625, Forgetting = 0.25, CreatedBy = "ci",
            },
            _ => new ModelAliasChanged
            {
                EventId = id, OccurredAt = at, Model = "models/m", Alias = "models/m/aliases/champion",
                ModelVersion = $"models/m/versions/{i}", PreviousModelVersion = "models/m/versions/1", Gated = true,
                ChangedBy = "ci", Reason = "passed the gate",
            },
        };
    }

    private static async Task PublishAsync(RunningHost host, int from, int to)
    {
        var bus = host.Services.GetRequiredService<IBus>();
        for (var i = from; i <= to; i++)
        {
            await bus.Publish(Event(i)).WaitAsync(TestEnvironment.Timeout);
        }
    }

    /// <summary>Waits until the gateway has stored <paramref name="count"/> events.</summary>
    private static async Task WaitStoredAsync(RunningHost host, long count)
    {
        var log = host.Services.GetRequiredService<EventLog>();
        var deadline = DateTime.UtcNow + TestEnvironment.Timeout;
        while ((await log.StateAsync(CancellationToken.None)).LastSeq < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"The gateway did not store {count} events in time.");
            await Task.Delay(20);
        }
    }

    private static string EventId(WatchEventsResponse response)
    {
        var message = (IMessage)WatchEventsResponse.Descriptor.FindFieldByNumber((int)response.EventCase)
            .Accessor.GetValue(response);
        return (string)message.Descriptor.FindFieldByName("event_id").Accessor.GetValue(message);
    }

    private static object ToRecord(WatchEventsResponse response, Type record)
    {
        var message = (IMessage)WatchEventsResponse.Descriptor.FindFieldByNumber((int)response.EventCase)
            .Accessor.GetValue(response);
        return typeof(EventRecords).GetMethod(nameof(EventRecords.FromProto))!.MakeGenericMethod(record)
            .Invoke(null, [message])!;
    }

    /// <summary>A watch whose starting point the server has fixed (its headers arrived).</summary>
    private static async Task<AsyncServerStreamingCall<WatchEventsResponse>> WatchAsync(
        RunningHost host, string cursor, params string[] types)
    {
        var call = new GatewayService.GatewayServiceClient(host.Channel).WatchEvents(
            new WatchEventsRequest { StartCursor = cursor, EventTypes = { types } });
        await call.ResponseHeadersAsync.WaitAsync(TestEnvironment.Timeout);
        return call;
    }

    private static async Task<RpcException> FirstErrorAsync(RunningHost host, string cursor, params string[] types)
    {
        using var call = new GatewayService.GatewayServiceClient(host.Channel).WatchEvents(
            new WatchEventsRequest { StartCursor = cursor, EventTypes = { types } });
        return await Assert.ThrowsAsync<RpcException>(
            () => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout));
    }

    private static async Task<WatchEventsResponse> NextAsync(AsyncServerStreamingCall<WatchEventsResponse> call)
    {
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout));
        return call.ResponseStream.Current;
    }
}
