using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Grpc.Core;

namespace Continuum.Tests.Registry;

/// <summary>Model versions: numbering under concurrency, checked uploads, downloads and deletes.</summary>
public sealed class ModelVersionsApiTests
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task CreateModelVersion_TwentyAtOnce_NumbersOneToTwentyAndOneEventEach(Backend backend)
    {
        var inbox = new EventInbox<ModelVersionCreated>();
        await using var host = await RunningHost.StartAsync(backend, inbox.AttachTo);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");

        var created = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => registry.UploadAsync("digits", RegistryClient.Artifact(2000 + i, seed: i))));
        var listed = await registry.ListVersionsAsync("digits");
        await inbox.WaitForAsync(e => e.VersionNumber == 20);
        await Task.WhenAll(Enumerable.Range(1, 20).Select(n => inbox.WaitForAsync(e => e.VersionNumber == n)));

        Assert.Equal(Enumerable.Range(1, 20).Select(n => (long)n),
            created.Select(c => c.ModelVersion.VersionNumber).Order());
        Assert.Equal(Enumerable.Range(1, 20).Select(n => $"models/digits/versions/{n}"), listed.Select(v => v.Name));
        Assert.All(listed, v => Assert.Equal(ModelVersionState.Ready, v.State));
        var fifth = created.Single(c => c.ModelVersion.VersionNumber == 5).ModelVersion;
        Assert.Equal(fifth.Artifact.Sha256, inbox.Received.Single(e => e.VersionNumber == 5).ArtifactSha256);
        Assert.Equal(20, host.FilesUnder("blobs").Length);
    }

    [Theory]
    [InlineData(Backend.Embedded, "digest")]
    [InlineData(Backend.Embedded, "short")]
    [InlineData(Backend.Embedded, "long")]
    [InlineData(Backend.Embedded, "cut")]
    [InlineData(Backend.Server, "digest")]
    [InlineData(Backend.Server, "cut")]
    public async Task CreateModelVersion_BrokenUpload_NoVersionNoBlobThenRetrySucceedsOnce(Backend backend, string kind)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        var artifact = RegistryClient.Artifact(3 * RegistryClient.ChunkBytes + 100, seed: 7);

        var error = await Assert.ThrowsAsync<RpcException>(() => kind switch
        {
            "digest" => registry.UploadAsync("digits", artifact, m => m.ArtifactSha256 = new string('0', 64)),
            "short" => registry.UploadAsync("digits", artifact, m => m.ArtifactSizeBytes = artifact.Length + 1),
            "long" => registry.UploadAsync("digits", artifact, m => m.ArtifactSizeBytes = artifact.Length - 1),
            _ => registry.UploadAsync("digits", artifact, cutAfterBytes: 2 * RegistryClient.ChunkBytes),
        });
        var versionsAfterFailure = await registry.ListVersionsAsync("digits");
        // A cut stream ends on the client at once; the server removes its partial blob when it sees the reset.
        var blobsAfterFailure = host.FilesUnder("blobs");
        for (var deadline = DateTime.UtcNow + TestEnvironment.Timeout;
             blobsAfterFailure.Length > 0 && DateTime.UtcNow < deadline;
             blobsAfterFailure = host.FilesUnder("blobs"))
        {
            await Task.Delay(50);
        }

        var retry = await registry.UploadAsync("digits", artifact, m => m.RequestId = "job-1");
        var again = await registry.UploadAsync("digits", artifact, m => m.RequestId = "job-1");

        if (kind == "cut")
        {
            Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        }
        else
        {
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal(kind == "digest" ? "metadata.artifact_sha256" : "metadata.artifact_size_bytes",
                RpcErrorDetails.SingleViolation(error).Field);
        }

        Assert.Empty(versionsAfterFailure);
        Assert.Empty(blobsAfterFailure);
        Assert.Equal(1, retry.ModelVersion.VersionNumber);
        Assert.False(retry.AlreadyExisted);
        Assert.Equal(1, again.ModelVersion.VersionNumber);
        Assert.True(again.AlreadyExisted);
        Assert.Single(await registry.ListVersionsAsync("digits"));
        Assert.Single(host.FilesUnder("blobs"));
    }

    [Theory]
    [InlineData("models/../versions")]
    [InlineData("models/..")]
    [InlineData("models/a/b")]
    [InlineData("models/Digits")]
    [InlineData("models/di\u0000gits")]
    [InlineData("models/%2e%2e")]
    [InlineData("models/..%2fetc")]
    [InlineData("../../etc/passwd")]
    public async Task CreateModelVersion_ParentBreaksTheRule_InvalidArgumentAndNothingWritten(string parent)
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        var before = Directory.GetFileSystemEntries(host.DataDir, "*", SearchOption.AllDirectories).ToHashSet();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            registry.UploadAsync("x", RegistryClient.Artifact(5000, seed: 3), m => m.Parent = parent));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("metadata.parent", RpcErrorDetails.SingleViolation(error).Field);
        Assert.Empty(host.FilesUnder("blobs"));
        var after = Directory.GetFileSystemEntries(host.DataDir, "*", SearchOption.AllDirectories);
        // The only new entries are the blob store's own (empty) folders and SQLite's journal files.
        var blobRoot = Path.Combine(host.DataDir, "blobs");
        Assert.All(after.Where(p => !before.Contains(p)), path => Assert.True(
            (path.StartsWith(blobRoot, StringComparison.Ordinal) && Directory.Exists(path))
            || path.EndsWith("-wal", StringComparison.Ordinal) || path.EndsWith("-shm", StringComparison.Ordinal),
            path));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task DownloadModelVersion_WholeAndFromOffset_ExactBytes(Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        var artifact = RegistryClient.Artifact(2 * RegistryClient.ChunkBytes + 12_345, seed: 11);
        await registry.UploadAsync("digits", artifact);

        var whole = await registry.DownloadAsync("models/digits/versions/latest");
        var resumed = await registry.DownloadAsync("models/digits/versions/1", offset: 1_500_000);
        var atEnd = await registry.DownloadAsync("models/digits/versions/1", offset: artifact.Length);
        var past = await Assert.ThrowsAsync<RpcException>(() =>
            registry.DownloadAsync("models/digits/versions/1", offset: artifact.Length + 1));
        var negative = await Assert.ThrowsAsync<RpcException>(() =>
            registry.DownloadAsync("models/digits/versions/1", offset: -1));

        var bytes = whole.SelectMany(c => c.Data.ToByteArray()).ToArray();
        Assert.Equal(RegistryClient.Sha256(artifact), RegistryClient.Sha256(bytes));
        Assert.Equal([0L, RegistryClient.ChunkBytes, 2L * RegistryClient.ChunkBytes], whole.Select(c => c.Offset));
        Assert.All(whole, c => Assert.Equal(RegistryClient.Sha256(artifact), c.Sha256));
        Assert.Equal(1_500_000, resumed[0].Offset);
        Assert.Equal(artifact[1_500_000..], resumed.SelectMany(c => c.Data.ToByteArray()).ToArray());
        // A download resumed after its last byte gets one empty chunk that still says how large the artifact is.
        var end = Assert.Single(atEnd);
        Assert.Equal((artifact.Length, 0, (long)artifact.Length), (end.Offset, end.Data.Length, end.TotalSizeBytes));
        Assert.Equal(StatusCode.OutOfRange, past.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, negative.StatusCode);
        Assert.Equal("offset", RpcErrorDetails.SingleViolation(negative).Field);
    }

    [Fact]
    public async Task DownloadModelVersion_StoredBlobCutShort_DataLossAfterTheBytesItHas()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        var artifact = RegistryClient.Artifact(2 * RegistryClient.ChunkBytes + 12_345, seed: 12);
        await registry.UploadAsync("digits", artifact);
        var blob = Assert.Single(host.FilesUnder("blobs"));
        await using (var file = new FileStream(blob, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(RegistryClient.ChunkBytes + 100);
        }

        var received = new List<DownloadModelVersionResponse>();
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = registry.Raw.DownloadModelVersion(
                new DownloadModelVersionRequest { Name = "models/digits/versions/1" });
            await foreach (var chunk in call.ResponseStream.ReadAllAsync())
            {
                received.Add(chunk);
            }
        });

        Assert.Equal(StatusCode.DataLoss, error.StatusCode);
        Assert.Equal(RegistryClient.ChunkBytes + 100L, received.Sum(c => (long)c.Data.Length));
    }

    [Fact]
    public async Task DeleteModelVersion_DeletedNumber_NotReusedAndBlobGone()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 1));
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 2));

        await registry.Raw.DeleteModelVersionAsync(new DeleteModelVersionRequest { Name = "models/digits/versions/2" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var third = await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 3));
        var gone = await Assert.ThrowsAsync<RpcException>(() => registry.Raw.GetModelVersionAsync(
            new GetModelVersionRequest { Name = "models/digits/versions/2" }).ResponseAsync
            .WaitAsync(TestEnvironment.Timeout));

        Assert.Equal(3, third.ModelVersion.VersionNumber);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal(["models/digits/versions/1", "models/digits/versions/3"],
            (await registry.ListVersionsAsync("digits")).Select(v => v.Name));
        Assert.Equal(2, host.FilesUnder("blobs").Length);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task GetModelVersion_AliasesMoveAndModelRecreated_AnswersCurrentStateAndNamesWhatIsMissing(
        Backend backend)
    {
        await using var host = await RunningHost.StartAsync(backend);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 1));
        await registry.UploadAsync("digits", RegistryClient.Artifact(1000, seed: 2));
        var before = await GetAsync(registry, "models/digits/versions/1");
        await SetAliasAsync(registry, "models/digits/aliases/prod", "models/digits/versions/1");
        await SetAliasAsync(registry, "models/digits/aliases/canary", "models/digits/versions/1");
        var aliased = await GetAsync(registry, "models/digits/versions/1");
        await SetAliasAsync(registry, "models/digits/aliases/prod", "models/digits/versions/2");
        var moved = await GetAsync(registry, "models/digits/versions/1");
        var latest = await GetAsync(registry, "models/digits/versions/latest");
        await registry.Raw.DeleteRegisteredModelAsync(new DeleteRegisteredModelRequest
        {
            Name = "models/digits", Force = true,
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        var noModel = await Assert.ThrowsAsync<RpcException>(() => GetAsync(registry, "models/digits/versions/1"));
        await registry.CreateModelAsync("digits");
        var noLatest = await Assert.ThrowsAsync<RpcException>(
            () => GetAsync(registry, "models/digits/versions/latest"));
        var again = await registry.UploadAsync("digits", RegistryClient.Artifact(2000, seed: 3));
        var recreated = await GetAsync(registry, "models/digits/versions/1");
        var noVersion = await Assert.ThrowsAsync<RpcException>(() => GetAsync(registry, "models/digits/versions/9"));

        Assert.Empty(before.Aliases);
        Assert.Equal(["canary", "prod"], aliased.Aliases);
        Assert.Equal(["canary"], moved.Aliases);
        Assert.Equal(["prod"], latest.Aliases);
        Assert.Equal(2, latest.VersionNumber);
        Assert.Equal("model 'models/digits' was not found.", noModel.Status.Detail);
        Assert.Equal("model version 'models/digits/versions/latest' was not found.", noLatest.Status.Detail);
        Assert.Equal("model version 'models/digits/versions/9' was not found.", noVersion.Status.Detail);
        Assert.Equal(again.ModelVersion, recreated);
        Assert.Equal(2000, recreated.Artifact.SizeBytes);
    }

    private static async Task<ModelVersion> GetAsync(RegistryClient registry, string name) =>
        (await registry.Raw.GetModelVersionAsync(new GetModelVersionRequest { Name = name }).ResponseAsync
            .WaitAsync(TestEnvironment.Timeout)).ModelVersion;

    private static Task SetAliasAsync(RegistryClient registry, string alias, string version) =>
        registry.Raw.SetModelAliasAsync(new SetModelAliasRequest { Name = alias, ModelVersion = version })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
}
