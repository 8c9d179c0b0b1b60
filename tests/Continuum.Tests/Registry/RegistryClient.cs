using System.Security.Cryptography;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;

namespace Continuum.Tests.Registry;

/// <summary>Test-side calls to the registry through a real channel, as any client makes them.</summary>
public sealed class RegistryClient(GrpcChannel channel)
{
    public const int ChunkBytes = 1 << 20;

    public RegistryService.RegistryServiceClient Raw { get; } = new(channel);

    public async Task<RegisteredModel> CreateModelAsync(string id, params (string Key, string Value)[] tags)
    {
        var model = new RegisteredModel { Description = $"model {id}" };
        foreach (var (key, value) in tags)
        {
            model.Tags[key] = value;
        }

        var response = await Raw.CreateRegisteredModelAsync(
            new CreateRegisteredModelRequest { ModelId = id, RegisteredModel = model })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return response.RegisteredModel;
    }

    /// <summary>A small MLP version's metadata for an artifact, with its true digest and size.</summary>
    public static ModelVersionUpload Metadata(string model, byte[] artifact) => new()
    {
        Parent = $"models/{model}",
        ModelVersion = new ModelVersion
        {
            Architecture = new Architecture { Mlp = new MlpArchitecture { HiddenSizes = { 64 } } },
            InputShape = { 28, 28 },
            ClassCount = 10,
            Hyperparameters = { ["lr"] = "0.001" },
        },
        ArtifactSha256 = Sha256(artifact),
        ArtifactSizeBytes = artifact.Length,
    };

    /// <summary>
    /// Streams the artifact in 1 MiB chunks after the metadata; with <paramref name="cutAfterBytes"/> the client
    /// cancels midway.
    /// </summary>
    public async Task<CreateModelVersionResponse> UploadAsync(
        string model, byte[] artifact, Action<ModelVersionUpload>? edit = null, long? cutAfterBytes = null)
    {
        var metadata = Metadata(model, artifact);
        edit?.Invoke(metadata);
        using var cancel = new CancellationTokenSource();
        using var call = Raw.CreateModelVersion(cancellationToken: cancel.Token);
        await call.RequestStream.WriteAsync(new CreateModelVersionRequest { Metadata = metadata })
            .WaitAsync(TestEnvironment.Timeout);
        for (var offset = 0; offset < artifact.Length; offset += ChunkBytes)
        {
            var length = Math.Min(ChunkBytes, artifact.Length - offset);
            if (cutAfterBytes is { } cut && offset + length > cut)
            {
                await cancel.CancelAsync();
                return await call.ResponseAsync.WaitAsync(TestEnvironment.Timeout);
            }

            await call.RequestStream.WriteAsync(new CreateModelVersionRequest
            {
                Chunk = ByteString.CopyFrom(artifact, offset, length),
            }).WaitAsync(TestEnvironment.Timeout);
        }

        await call.RequestStream.CompleteAsync().WaitAsync(TestEnvironment.Timeout);
        return await call.ResponseAsync.WaitAsync(TestEnvironment.Timeout);
    }

    /// <summary>Every chunk of one download, in order.</summary>
    public async Task<List<DownloadModelVersionResponse>> DownloadAsync(string name, long offset = 0)
    {
        using var call = Raw.DownloadModelVersion(new DownloadModelVersionRequest { Name = name, Offset = offset });
        var chunks = new List<DownloadModelVersionResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(TestEnvironment.Timeout))
        {
            chunks.Add(call.ResponseStream.Current);
        }

        return chunks;
    }

    public async Task<List<ModelVersion>> ListVersionsAsync(string model)
    {
        var response = await Raw.ListModelVersionsAsync(new ListModelVersionsRequest { Parent = $"models/{model}" })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return response.ModelVersions.ToList();
    }

    /// <summary>Deterministic bytes standing in for an artifact.</summary>
    public static byte[] Artifact(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
