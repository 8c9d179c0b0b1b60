using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Registry;

/// <summary>Aliases: set, resolve, delete, their events, and the versions they protect.</summary>
public sealed class AliasesApiTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task SetModelAlias_MoveThenDelete_ResolvesAndPublishesEachChange(Backend backend)
    {
        var inbox = new EventInbox<ModelAliasChanged>();
        await using var host = await RunningHost.StartAsync(backend, inbox.AttachTo);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 1));
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 2));

        var first = await SetAsync(registry, "champion", "models/digits/versions/1");
        var moved = await SetAsync(registry, "champion", "models/digits/versions/latest");
        var resolved = await registry.Raw.ResolveModelAliasAsync(
            new ResolveModelAliasRequest { Name = "models/digits/aliases/champion" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        await registry.Raw.DeleteModelAliasAsync(
            new DeleteModelAliasRequest { Name = "models/digits/aliases/champion" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var deleted = await inbox.WaitForAsync(e => e.ModelVersion == "");
        var gone = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.ResolveModelAliasAsync(
            new ResolveModelAliasRequest { Name = "models/digits/aliases/champion" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal("", first.PreviousModelVersion);
        Assert.Equal("models/digits/versions/1", moved.PreviousModelVersion);
        Assert.Equal("models/digits/versions/2", resolved.ModelVersion.Name);
        Assert.Equal(["champion"], resolved.ModelVersion.Aliases);
        Assert.Equal("because", resolved.Alias.Reason);
        var movedEvent = await inbox.WaitForAsync(e => e.ModelVersion == "models/digits/versions/2");
        Assert.Equal("models/digits/versions/1", movedEvent.PreviousModelVersion);
        Assert.Equal("models/digits/aliases/champion", deleted.Alias);
        Assert.Equal("models/digits/versions/2", deleted.PreviousModelVersion);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DeleteModelVersion_BehindAlias_FailedPreconditionNamingTheAlias(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 1));
        await SetAsync(registry, "champion", "models/digits/versions/1");

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.DeleteModelVersionAsync(
            new DeleteModelVersionRequest { Name = "models/digits/versions/1" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var info = RpcErrorDetails.ErrorInfoOf(error);
        Assert.Equal("ALIAS_REFERENCES_VERSION", info.Reason);
        Assert.Equal("champion", info.Metadata["alias"]);
        Assert.Contains("models/digits/aliases/champion", error.Status.Detail);
        Assert.Single(await registry.ListVersionsAsync("digits"));
        Assert.Single(host.FilesUnder("blobs"));
    }

    [Theory]
    [InlineData("models/digits/aliases/latest", "name")]
    [InlineData("models/digits/aliases/1st", "name")]
    [InlineData("models/digits/aliases/Champion", "name")]
    [InlineData("models/digits/aliases/a%2fb", "name")]
    [InlineData("models/other/aliases/champion", "model_version")]
    public async Task SetModelAlias_BadName_InvalidArgumentOnTheField(string name, string field)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 1));

        var error = await Assert.ThrowsAsync<RpcException>(() => SetAsync(registry, name, "models/digits/versions/1"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(field, RpcErrorDetails.SingleViolation(error).Field);
    }

    private static Task<SetModelAliasResponse> SetAsync(RegistryClient registry, string alias, string version) =>
        registry.Raw.SetModelAliasAsync(new SetModelAliasRequest
        {
            Name = alias.Contains('/') ? alias : $"models/digits/aliases/{alias}",
            ModelVersion = version,
            Reason = "because",
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
}
