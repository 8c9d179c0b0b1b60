using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Continuum.Tests.Registry;

/// <summary>Registered models (not their versions) through a real channel.</summary>
public sealed class RegisteredModelsApiTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task CreateRegisteredModel_ThenGet_ReturnsDescriptionAndTags(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);

        var created = await registry.CreateModelAsync("digits", ("team", "vision"));
        var got = await registry.Raw.GetRegisteredModelAsync(new GetRegisteredModelRequest { Name = "models/digits" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        Assert.Equal("models/digits", created.Name);
        Assert.Equal("model digits", got.RegisteredModel.Description);
        Assert.Equal("vision", got.RegisteredModel.Tags["team"]);
        Assert.Equal(0, got.RegisteredModel.VersionCount);
        Assert.Equal("", got.RegisteredModel.LatestVersion);
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("Digits")]
    [InlineData("di\u0001gits")]
    [InlineData("%2e%2e")]
    [InlineData("caf\u00e9")]
    [InlineData("-digits")]
    public async Task CreateRegisteredModel_IdBreaksTheRule_InvalidArgumentOnModelId(string id)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.CreateModelAsync(id));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("model_id", RpcErrorDetails.SingleViolation(error).Field);
        var listed = await registry.Raw.ListRegisteredModelsAsync(new ListRegisteredModelsRequest())
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        Assert.Empty(listed.RegisteredModels);
    }

    [Fact]
    public async Task CreateRegisteredModel_Twice_AlreadyExists()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");

        var error = await Assert.ThrowsAsync<RpcException>(() => registry.CreateModelAsync("digits"));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("models/digits", error.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task ListRegisteredModels_PagesAndTagFilter_ReturnEachMatchOnce(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        for (var i = 0; i < 5; i++)
        {
            await registry.CreateModelAsync($"m{i}", ("team", i % 2 == 0 ? "vision" : "audio"), ("stage", "dev"));
        }

        var names = new List<string>();
        var token = "";
        do
        {
            var page = await registry.Raw.ListRegisteredModelsAsync(new ListRegisteredModelsRequest
            {
                PageSize = 1, PageToken = token, TagFilter = { ["team"] = "vision", ["stage"] = "" },
            }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
            names.AddRange(page.RegisteredModels.Select(m => m.Name));
            token = page.NextPageToken;
        }
        while (token.Length > 0);
        var firstPage = await registry.Raw.ListRegisteredModelsAsync(new ListRegisteredModelsRequest { PageSize = 2 })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var otherFilter = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.ListRegisteredModelsAsync(
            new ListRegisteredModelsRequest { PageToken = firstPage.NextPageToken, TagFilter = { ["team"] = "" } })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(["models/m0", "models/m2", "models/m4"], names);
        Assert.Equal(["models/m0", "models/m1"], firstPage.RegisteredModels.Select(m => m.Name));
        Assert.Equal("page_token", RpcErrorDetails.SingleViolation(otherFilter).Field);
    }

    [Fact]
    public async Task UpdateRegisteredModel_MaskedTags_ChangesOnlyTags()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits", ("team", "vision"));

        var updated = await registry.Raw.UpdateRegisteredModelAsync(new UpdateRegisteredModelRequest
        {
            RegisteredModel = new RegisteredModel
            {
                Name = "models/digits", Description = "ignored", Tags = { ["owner"] = "ana" },
            },
            UpdateMask = new FieldMask { Paths = { "tags" } },
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var badPath = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.UpdateRegisteredModelAsync(
            new UpdateRegisteredModelRequest
            {
                RegisteredModel = new RegisteredModel { Name = "models/digits" },
                UpdateMask = new FieldMask { Paths = { "create_time" } },
            }).ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal("model digits", updated.RegisteredModel.Description);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "ana" }, updated.RegisteredModel.Tags);
        Assert.Equal("update_mask", RpcErrorDetails.SingleViolation(badPath).Field);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DeleteRegisteredModel_WithVersions_RefusedUnlessForcedThenBlobsGone(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(3000, seed: 1));
        await registry.Raw.SetModelAliasAsync(new SetModelAliasRequest
        {
            Name = "models/digits/aliases/champion", ModelVersion = "models/digits/versions/1",
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);

        var refused = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.DeleteRegisteredModelAsync(
            new DeleteRegisteredModelRequest { Name = "models/digits" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout));
        Assert.Single(host.FilesUnder("blobs"));
        await registry.Raw.DeleteRegisteredModelAsync(new DeleteRegisteredModelRequest
        {
            Name = "models/digits", Force = true,
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var gone = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.GetRegisteredModelAsync(
            new GetRegisteredModelRequest { Name = "models/digits" }).ResponseAsync.WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal("MODEL_HAS_VERSIONS", RpcErrorDetails.ErrorInfoOf(refused).Reason);
        Assert.Equal("continuum.registry.v1.RegistryService", RpcErrorDetails.ErrorInfoOf(refused).Domain);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Empty(host.FilesUnder("blobs"));
    }
}
