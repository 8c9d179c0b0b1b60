using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Registry;

/// <summary>The watch stream: commit order, cursors that resume without loss or repeats, and its errors.</summary>
public sealed class WatchModelVersionsTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_DisconnectAfterThreeOfTen_ReconnectWithCursorGetsFourToTenOnce(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await UploadAsync(registry, 1, 3);

        var first = new List<WatchModelVersionsResponse>();
        using (var watch = await WatchAsync(registry, "models/digits", "0"))
        {
            for (var i = 0; i < 3; i++)
            {
                first.Add(await NextAsync(watch));
            }
        }

        // Versions 4 and 5 land while nobody watches; 6 to 10 while the second watcher is connected.
        await UploadAsync(registry, 4, 5);
        var second = new List<WatchModelVersionsResponse>();
        using (var watch = await WatchAsync(registry, "models/digits", first[^1].Cursor))
        {
            for (var i = 0; i < 2; i++)
            {
                second.Add(await NextAsync(watch));
            }

            await UploadAsync(registry, 6, 10);
            for (var i = 0; i < 5; i++)
            {
                second.Add(await NextAsync(watch));
            }

            // Nothing repeated after version 10: the next change seen is the one made after it.
            await registry.Raw.SetModelAliasAsync(new SetModelAliasRequest
            {
                Name = "models/digits/aliases/champion", ModelVersion = "models/digits/versions/10",
            }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
            var after = await NextAsync(watch);
            Assert.Equal("models/digits/versions/10", after.ModelAliasChanged.ModelVersion);
        }

        Assert.Equal([1L, 2, 3], first.Select(c => c.ModelVersionCreated.VersionNumber));
        Assert.Equal([4L, 5, 6, 7, 8, 9, 10], second.Select(c => c.ModelVersionCreated.VersionNumber));
        Assert.Equal("models/digits/versions/4", second[0].ModelVersionCreated.ModelVersion);
        var cursors = first.Concat(second)
            .Select(c => long.Parse(c.Cursor, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(cursors.Order(), cursors);
        Assert.Equal(10, cursors.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Watch_EveryModelFromNow_SeesOnlyLaterChangesOfBothModelsInCommitOrder(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.CreateModelAsync("fashion");
        await registry.UploadAsync("digits", RegistryClient.Artifact(100, seed: 1));

        using var watch = await WatchAsync(registry, "models/-", "");
        await registry.UploadAsync("fashion", RegistryClient.Artifact(100, seed: 2));
        await registry.UploadAsync("digits", RegistryClient.Artifact(100, seed: 3));
        await registry.Raw.SetModelAliasAsync(new SetModelAliasRequest
        {
            Name = "models/fashion/aliases/champion", ModelVersion = "models/fashion/versions/1", Reason = "first",
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var changes = new[] { await NextAsync(watch), await NextAsync(watch), await NextAsync(watch) };

        Assert.Equal("models/fashion/versions/1", changes[0].ModelVersionCreated.ModelVersion);
        Assert.Equal(RegistryClient.Sha256(RegistryClient.Artifact(100, seed: 2)),
            changes[0].ModelVersionCreated.ArtifactSha256);
        Assert.Equal("models/digits/versions/2", changes[1].ModelVersionCreated.ModelVersion);
        Assert.Equal("models/fashion/aliases/champion", changes[2].ModelAliasChanged.Alias);
        Assert.Equal("first", changes[2].ModelAliasChanged.Reason);
        Assert.Equal("", changes[2].ModelAliasChanged.PreviousModelVersion);
    }

    [Theory]
    [InlineData("models/digits", "abc", StatusCode.InvalidArgument, "start_cursor")]
    [InlineData("models/digits", "-1", StatusCode.InvalidArgument, "start_cursor")]
    [InlineData("models/digits", "5", StatusCode.InvalidArgument, "start_cursor")]
    [InlineData("models/../x", "", StatusCode.InvalidArgument, "parent")]
    [InlineData("models/nothing", "", StatusCode.NotFound, null)]
    public async Task Watch_BadParentOrCursor_ErrorNamesIt(
        string parent, string cursor, StatusCode code, string? field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(100, seed: 1));

        using var call = registry.Raw.WatchModelVersions(
            new WatchModelVersionsRequest { Parent = parent, StartCursor = cursor });
        var error = await Assert.ThrowsAsync<RpcException>(
            () => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(code, error.StatusCode);
        if (field is not null)
        {
            Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
        }
        else
        {
            Assert.Contains("models/nothing", error.Status.Detail);
        }
    }

    private static async Task UploadAsync(RegistryClient registry, int from, int to)
    {
        for (var seed = from; seed <= to; seed++)
        {
            var created = await registry.UploadAsync("digits", RegistryClient.Artifact(100, seed));
            Assert.Equal(seed, created.ModelVersion.VersionNumber);
        }
    }

    /// <summary>A watch whose starting point the server has fixed (its headers arrived).</summary>
    private static async Task<AsyncServerStreamingCall<WatchModelVersionsResponse>> WatchAsync(
        RegistryClient registry, string parent, string cursor)
    {
        var call = registry.Raw.WatchModelVersions(
            new WatchModelVersionsRequest { Parent = parent, StartCursor = cursor });
        await call.ResponseHeadersAsync.WaitAsync(TestEnvironment.Timeout);
        return call;
    }

    private static async Task<WatchModelVersionsResponse> NextAsync(
        AsyncServerStreamingCall<WatchModelVersionsResponse> call)
    {
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout));
        return call.ResponseStream.Current;
    }
}
