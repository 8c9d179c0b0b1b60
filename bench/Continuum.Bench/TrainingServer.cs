using Continuum.Data;
using Continuum.Data.V1;
using Continuum.Registry;
using Continuum.ServiceDefaults;
using Continuum.Training;
using Continuum.Training.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Bench;

/// <summary>
/// The data, registry and training services (with its worker) on one loopback port with embedded defaults
/// (SQLite, in-process bus), in a scratch folder: a training job runs here exactly as a client's would, in this
/// process, so the benchmark can read the worker's resident memory as its own.
/// </summary>
public sealed class TrainingServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private TrainingServer(WebApplication app, string dir)
    {
        this.app = app;
        Dir = dir;
        Channel = GrpcChannel.ForAddress(app.Urls.Single());
    }

    public string Dir { get; }

    public GrpcChannel Channel { get; }

    public TrainingService.TrainingServiceClient Training => new(Channel);

    /// <param name="threads">The worker's intra-op thread count, so both sides of a comparison use the same.</param>
    public static async Task<TrainingServer> StartAsync(int threads)
    {
        var dir = Path.Combine(Path.GetTempPath(), "continuum-bench-" + Guid.NewGuid().ToString("N"));
        var builder = WebApplication.CreateBuilder(
        [
            "--urls=http://127.0.0.1:0", $"--Continuum:DataDir={dir}", "--Logging:LogLevel:Default=Warning",
            $"--Continuum:Training:Worker:Threads={threads}",
        ]);
        builder.AddDataService().AddRegistryService().AddTrainingService();
        var app = builder.BuildContinuumApp();
        app.MapDataService();
        app.MapRegistryService();
        app.MapTrainingService();
        await app.StartAsync();
        return new TrainingServer(app, dir);
    }

    /// <summary>Dataset <c>fashion</c> with one version: all of Fashion-MNIST, train and test splits.</summary>
    public async Task<string> UploadFashionAsync(CancellationToken ct)
    {
        var data = new DataService.DataServiceClient(Channel);
        await DataServer.CreateFashionDatasetAsync(data, ct);
        return (await DataServer.UploadFashionAsync(data, withTest: true, ct)).Name;
    }

    /// <summary>
    /// Creates a job and follows its watch stream to the end, handing every metric point to
    /// <paramref name="onMetric"/> as it comes; returns the finished job with its metric history.
    /// </summary>
    /// <exception cref="InvalidOperationException">The job did not succeed.</exception>
    public async Task<TrainingJob> RunJobAsync(TrainingSpec spec, Action<MetricPoint>? onMetric, CancellationToken ct)
    {
        var created = (await Training.CreateTrainingJobAsync(
            new CreateTrainingJobRequest { TrainingJob = new TrainingJob { Spec = spec } }, cancellationToken: ct))
            .TrainingJob;
        using (var call = Training.WatchTrainingJob(new WatchTrainingJobRequest { Name = created.Name },
            cancellationToken: ct))
        {
            while (await call.ResponseStream.MoveNext(ct))
            {
                if (call.ResponseStream.Current.Metric is { } point)
                {
                    onMetric?.Invoke(point);
                }
            }
        }

        var job = (await Training.GetTrainingJobAsync(new GetTrainingJobRequest { Name = created.Name },
            cancellationToken: ct)).TrainingJob;
        return job.State == TrainingJobState.Succeeded
            ? job
            : throw new InvalidOperationException($"Training job {job.Name} ended {job.State}: {job.Error}");
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Dir, recursive: true);
    }
}
