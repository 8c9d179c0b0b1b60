using System.Text.Json;
using Continuum.Cli;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using static Continuum.Tests.Cli.CliRun;

namespace Continuum.Tests.Cli;

/// <summary><c>continuum events watch</c> against the embedded host, its events made through the registry.</summary>
public sealed class EventsCliTests
{
    private static readonly byte[] First = RegistryClient.Artifact(1_000, seed: 1);
    private static readonly byte[] Second = RegistryClient.Artifact(2_000, seed: 2);

    [Fact]
    public async Task EventsWatch_FromCursorZeroJson_OneObjectPerEventInOrderUntilCancelled()
    {
        await using var host = await StartWithEventsAsync();
        using var stop = new CancellationTokenSource();
        // Stopped by its cancellation token, as Ctrl-C stops it, once the three events so far are printed.
        var stdout = new CancelAfterLines(3, stop);
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(
            ["events", "watch", "--from-cursor", "0", "--server", host.Address, "--output", "json"],
            stdout, stderr, stop.Token).WaitAsync(TestEnvironment.Timeout);

        Assert.True(code == CliApp.Ok, stderr.ToString());
        Assert.Equal("", stderr.ToString());
        var lines = stdout.ToString().TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        var events = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["1", "2", "3"], events.Select(e => e.GetProperty("cursor").GetString()));
        Assert.All(events, e => Assert.True(e.TryGetProperty("receiveTime", out _)));
        Assert.Equal(["models/digits/versions/1", "models/digits/versions/2"], events.Take(2).Select(e =>
            e.GetProperty("modelVersionCreated").GetProperty("modelVersion").GetString()));
        Assert.Equal(RegistryClient.Sha256(Second),
            events[1].GetProperty("modelVersionCreated").GetProperty("artifactSha256").GetString());
        var alias = events[2].GetProperty("modelAliasChanged");
        Assert.Equal("models/digits/aliases/champion", alias.GetProperty("alias").GetString());
        Assert.Equal("models/digits/versions/2", alias.GetProperty("modelVersion").GetString());
    }

    [Fact]
    public async Task EventsWatch_TypeFilterForPeople_CursorFirstThenTheEvent()
    {
        await using var host = await StartWithEventsAsync();
        using var stop = new CancellationTokenSource();
        var stdout = new CancelAfterLines(1, stop);
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(
            ["events", "watch", "--from-cursor", "0", "--type", "ModelAliasChanged", "--server", host.Address],
            stdout, stderr, stop.Token).WaitAsync(TestEnvironment.Timeout);

        Assert.True(code == CliApp.Ok, stderr.ToString());
        var line = Assert.Single(stdout.ToString().TrimEnd().Split('\n'));
        Assert.StartsWith("3  ", line);
        Assert.EndsWith(
            "  ModelAliasChanged  models/digits/aliases/champion set to models/digits/versions/2: best so far", line);
    }

    [Fact]
    public async Task EventsWatch_UnknownType_InvalidArgumentNamingEventTypes()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(
            ["events", "watch", "--type", "ModelDeleted", "--server", host.Address], stdout, stderr)
            .WaitAsync(TestEnvironment.Timeout);

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout.ToString());
        Assert.StartsWith("InvalidArgument: event_types: 'ModelDeleted' is not an event type; known: ",
            stderr.ToString());
    }

    /// <summary>A host whose registry published three events: digits versions 1 and 2, then champion → 2.</summary>
    private static async Task<RunningHost> StartWithEventsAsync()
    {
        var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", First);
        await registry.UploadAsync("digits", Second);
        await registry.Raw.SetModelAliasAsync(new SetModelAliasRequest
        {
            Name = "models/digits/aliases/champion", ModelVersion = "models/digits/versions/2", Reason = "best so far",
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return host;
    }
}
