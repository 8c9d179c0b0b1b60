using System.Security.Cryptography;
using Continuum.Bench.V1;
using Continuum.Registry;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Bench;

/// <summary>
/// The registry and a trivial ping service on one loopback port with embedded defaults, in a scratch folder,
/// reached through one channel over a single HTTP/2 connection.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private const int ChunkBytes = 1 << 20;

    private readonly WebApplication app;

    private RegistryServer(WebApplication app, string dir)
    {
        this.app = app;
        Dir = dir;
        // One connection for every caller, so the comparison is about the methods, not about connection counts; the
        // stream window the services' own clients use, so a download is not held back by flow control.
        Channel = GrpcChannel.ForAddress(app.Urls.Single(), new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                InitialHttp2StreamWindowSize = PeerChannels.StreamWindowBytes,
            },
        });
    }

    public string Dir { get; }

    public GrpcChannel Channel { get; }

    public RegistryService.RegistryServiceClient Registry => new(Channel);

    public PingService.PingServiceClient Ping => new(Channel);

    public static async Task<RegistryServer> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "continuum-bench-" + Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateBuilder(
            ["--urls=http://127.0.0.1:0", $"--Continuum:DataDir={dir}", "--Logging:LogLevel:Default=Warning"]);
        builder.AddRegistryService();
        var app = builder.BuildContinuumApp();
        app.MapRegistryService();
        app.MapGrpcService<PingServer>();
        await app.StartAsync();
        return new RegistryServer(app, dir);
    }

    /// <summary>Registers <paramref name="artifact"/> as the next version of <paramref name="model"/>.</summary>
    public async Task<ModelVersion> UploadAsync(string model, byte[] artifact, CancellationToken ct)
    {
        using var call = Registry.CreateModelVersion(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new CreateModelVersionRequest
        {
            Metadata = new ModelVersionUpload
            {
                Parent = $"models/{model}",
                ModelVersion = new ModelVersion
                {
                    Architecture = new Architecture { Mlp = new MlpArchitecture { HiddenSizes = { 256, 128 } } },
                    InputShape = { 28, 28 },
                    ClassCount = 10,
                    Hyperparameters = { ["lr"] = "0.001", ["batch"] = "64" },
                    Metrics = new ModelMetrics { AverageAccuracy = 0.87, Forgetting = 0.04 },
                },
                ArtifactSha256 = Convert.ToHexStringLower(SHA256.HashData(artifact)),
                ArtifactSizeBytes = artifact.Length,
            },
        }, ct);
        for (var offset = 0; offset < artifact.Length; offset += ChunkBytes)
        {
            await call.RequestStream.WriteAsync(new CreateModelVersionRequest
            {
                Chunk = ByteString.CopyFrom(artifact, offset, Math.Min(ChunkBytes, artifact.Length - offset)),
            }, ct);
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync).ModelVersion;
    }

    /// <summary>Where the blob store keeps an artifact: named by its digest somewhere under the data folder.</summary>
    public string BlobPath(string sha256) =>
        Directory.GetFiles(Path.Combine(Dir, "blobs"), sha256, SearchOption.AllDirectories).Single();

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }

    private sealed class PingServer : PingService.PingServiceBase
    {
        public override Task<PingResponse> Ping(PingRequest request, ServerCallContext context) =>
            Task.FromResult(new PingResponse { Payload = request.Payload });
    }
}
