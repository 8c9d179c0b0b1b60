using Continuum.Data;
using Continuum.Data.V1;
using Continuum.ServiceDefaults;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Bench;

/// <summary>
/// The data service on a loopback port with embedded defaults, in a scratch folder, for one benchmark.
/// </summary>
public sealed class DataServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private DataServer(WebApplication app, string dir)
    {
        this.app = app;
        Dir = dir;
        Channel = GrpcChannel.ForAddress(app.Urls.Single(),
            new GrpcChannelOptions { MaxReceiveMessageSize = 16 << 20 });
    }

    public const string TrainImages = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
    public const string TrainLabels = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";

    public string Dir { get; }

    public GrpcChannel Channel { get; }

    public DataService.DataServiceClient Client => new(Channel);

    public Task CreateFashionDatasetAsync(CancellationToken ct) => CreateFashionDatasetAsync(Client, ct);

    /// <summary>Dataset <c>fashion</c>: 28 x 28 inputs, 10 classes.</summary>
    public static Task CreateFashionDatasetAsync(DataService.DataServiceClient client, CancellationToken ct) =>
        client.CreateDatasetAsync(new CreateDatasetRequest
        {
            DatasetId = "fashion",
            Dataset = new Dataset { Schema = new DatasetSchema { InputShape = { 28, 28 }, ClassCount = 10 } },
        }, cancellationToken: ct).ResponseAsync;

    public const string TestImages = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    public const string TestLabels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";

    /// <summary>
    /// Streams the Fashion-MNIST train files as shipped, in 1 MiB chunks, as a new version of <c>fashion</c>.
    /// </summary>
    public Task<DatasetVersion> UploadFashionTrainAsync(CancellationToken ct) =>
        UploadFashionAsync(Client, withTest: false, ct);

    /// <summary>
    /// Streams the Fashion-MNIST files as shipped (gzipped IDX), in 1 MiB chunks, as a new version of
    /// <c>fashion</c>: the train split, and with <paramref name="withTest"/> the test split too.
    /// </summary>
    public static async Task<DatasetVersion> UploadFashionAsync(
        DataService.DataServiceClient client, bool withTest, CancellationToken ct)
    {
        var files = new List<(string Path, Split Split, FileRole Role)>
        {
            (TrainImages, Split.Train, FileRole.IdxInputs), (TrainLabels, Split.Train, FileRole.IdxLabels),
        };
        if (withTest)
        {
            files.Add((TestImages, Split.Test, FileRole.IdxInputs));
            files.Add((TestLabels, Split.Test, FileRole.IdxLabels));
        }

        using var call = client.CreateDatasetVersion(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
        {
            Metadata = new DatasetVersionUpload
            {
                Parent = "datasets/fashion",
                Format = DataFormat.Idx,
                Files =
                {
                    files.Select(f => new UploadFile
                    {
                        FileName = Path.GetFileName(f.Path), Split = f.Split, Role = f.Role,
                    }),
                },
            },
        }, ct);
        var buffer = new byte[1 << 20];
        for (var i = 0; i < files.Count; i++)
        {
            await using var file = File.OpenRead(files[i].Path);
            int read;
            while ((read = await file.ReadAsync(buffer, ct)) > 0)
            {
                await call.RequestStream.WriteAsync(new CreateDatasetVersionRequest
                {
                    Chunk = new FileChunk { FileIndex = i, Data = ByteString.CopyFrom(buffer, 0, read) },
                }, ct);
            }
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync).DatasetVersion;
    }

    /// <summary>Removes every version (and its blobs), so the next upload stores everything again.</summary>
    public async Task ResetFashionDatasetAsync(CancellationToken ct)
    {
        await Client.DeleteDatasetAsync(new DeleteDatasetRequest { Name = "datasets/fashion", Force = true },
            cancellationToken: ct);
        await CreateFashionDatasetAsync(ct);
    }

    public static async Task<DataServer> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "continuum-bench-" + Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateBuilder(
            ["--urls=http://127.0.0.1:0", $"--Continuum:DataDir={dir}", "--Logging:LogLevel:Default=Warning"]);
        builder.AddDataService();
        var app = builder.BuildContinuumApp();
        app.MapDataService();
        await app.StartAsync();
        return new DataServer(app, dir);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(Dir, recursive: true);
    }
}
