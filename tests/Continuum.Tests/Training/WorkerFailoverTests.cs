using System.Globalization;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using Continuum.Training.V1;
using Xunit.Abstractions;

namespace Continuum.Tests.Training;

/// <summary>
/// Server mode as deployed: the API in one process and two training workers in processes of their own, on one
/// PostgreSQL database, one RabbitMQ queue and one blob volume. The worker running a job is killed mid-epoch.
/// </summary>
public sealed class WorkerFailoverTests(ITestOutputHelper log) : IAsyncLifetime
{
    private const int TrainExamples = 6000;
    private const int BatchSize = 32;
    private const int Epochs = 4;
    private const long StepsPerEpoch = (TrainExamples + BatchSize - 1) / BatchSize;

    // Short, so that the survivor takes the job over a few seconds after the kill; renewed every quarter of it.
    private const string Lease = "00:00:05";

    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(75);

    private readonly List<ServiceProcess> workers = [];
    private RunningHost? host;

    public Task InitializeAsync() => Task.CompletedTask;

    [Fact]
    public async Task KillWorkerMidEpoch_OtherWorkerResumesFromCheckpoint_OneVersionRegistered()
    {
        // Data, registry and the training API in the test's process; no job runs here.
        host = await RunningHost.StartAsync(Backend.Server, settings: ["--Continuum:Training:Worker:Enabled=false"]);
        var started = await Task.WhenAll(StartWorkerAsync("worker-a"), StartWorkerAsync("worker-b"));
        workers.AddRange(started);
        var version = await TrainingClient.UploadSliceAsync(host.Channel, train: TrainExamples, test: 100);
        var training = new TrainingClient(host.Channel);
        var spec = TrainingClient.MlpSpec(version, Epochs);
        spec.BatchSize = BatchSize;
        // Wide enough that an epoch takes seconds on one thread, so the kill lands inside one.
        spec.Architecture.Mlp.HiddenSizes.Clear();
        spec.Architecture.Mlp.HiddenSizes.Add([512, 256]);
        var queued = await training.CreateAsync(spec);

        // The first checkpoint is stored and the next epoch has taken steps past it.
        var running = await PollAsync(training, queued.Name, j => j.Progress.CheckpointEpoch >= 1
            && j.Progress.Step > j.Progress.CheckpointEpoch * StepsPerEpoch);
        Assert.True(running.State == TrainingJobState.Running, $"{running.State}: {running.Error}");
        var victim = workers.Single(w => w.Id == WorkerPid(running));
        var survivor = workers.Single(w => w != victim);
        victim.Kill();
        var killedAt = DateTime.UtcNow;
        var resumeFrom = (await training.GetAsync(queued.Name)).Progress.CheckpointEpoch;
        log.WriteLine($"Killed {victim.Name} (pid {victim.Id}) at {killedAt:O}, checkpoint of epoch {resumeFrom}," +
            $" step {running.Progress.Step} seen before");

        var job = await PollAsync(training, queued.Name, _ => false);
        log.WriteLine($"Created {job.CreateTime.ToDateTime():O}, started {job.StartTime.ToDateTime():O}, ended" +
            $" {job.EndTime.ToDateTime():O}; epochs ended {string.Join(", ", job.MetricHistory
                .Where(p => p.Scope == MetricScope.Epoch).Select(p => p.Time.ToDateTime().ToString("O")))}");
        var versions = (await new RegistryClient(host.Channel).Raw.ListModelVersionsAsync(
            new ListModelVersionsRequest { Parent = "models/fm-mlp" }).ResponseAsync).ModelVersions;

        Assert.True(job.State == TrainingJobState.Succeeded, $"{job.State}: {job.Error}");
        Assert.True(victim.HasExited);
        Assert.Equal(2, job.AttemptCount);
        Assert.Equal(survivor.Id, WorkerPid(job));
        Assert.Equal("models/fm-mlp/versions/1", job.ModelVersion);
        Assert.Equal([job.ModelVersion], versions.Select(v => v.Name));
        Assert.Equal(job.Name, versions[0].Lineage.TrainingJob);
        Assert.InRange(resumeFrom, 1, Epochs - 1);
        Assert.Equal(Epochs * StepsPerEpoch, job.Progress.Step);
        Assert.Equal(Epochs, job.Progress.CheckpointEpoch);

        // Every epoch once. The killed worker's epochs up to the checkpoint stand as it recorded them; the
        // survivor recorded only those after it, so it resumed there rather than from scratch.
        var epochs = job.MetricHistory.Where(p => p.Scope == MetricScope.Epoch).ToList();
        Assert.Equal(Enumerable.Range(1, Epochs), epochs.Select(p => p.Epoch));
        Assert.Equal(Enumerable.Range(1, Epochs).Select(e => e * StepsPerEpoch), epochs.Select(p => p.Step));
        Assert.Equal(Enumerable.Range(1, Epochs).Select(e => e > resumeFrom),
            epochs.Select(p => p.Time.ToDateTime() > killedAt));

        // Step points: the killed worker's past the checkpoint were dropped and taken again by the survivor, so
        // steps only go up, and each lies on the side of the kill that its place relative to the checkpoint says.
        var steps = job.MetricHistory.Where(p => p.Scope == MetricScope.Step).ToList();
        Assert.Equal(steps.Select(p => p.Step).Order(), steps.Select(p => p.Step));
        Assert.Equal(steps.Count, steps.Select(p => p.Step).Distinct().Count());
        Assert.Equal(steps.Select(p => p.Step > resumeFrom * StepsPerEpoch),
            steps.Select(p => p.Time.ToDateTime() > killedAt));
        Assert.Equal(Epochs * StepsPerEpoch, steps[^1].Step);
    }

    public async Task DisposeAsync()
    {
        foreach (var worker in workers)
        {
            log.WriteLine(worker.Output);
            worker.Dispose();
        }

        if (host is not null)
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>A worker on the host's database, bus and blobs, calling data and registry at the host.</summary>
    private Task<ServiceProcess> StartWorkerAsync(string name)
    {
        var server = host!;
        return ServiceProcess.StartAsync(name, "Continuum.Training.Api",
        [
            "--urls=http://127.0.0.1:0",
            $"--Continuum:DataDir={Path.Combine(server.DataDir, name)}",
            // The deployment's shared blob volume: a checkpoint one worker stores, the other reads.
            $"--Continuum:Blobs:Root={Path.Combine(server.DataDir, "blobs")}",
            "--Continuum:Database:Provider=Postgres",
            $"--Continuum:Database:ConnectionString={server.DatabaseConnectionString}",
            "--Continuum:Bus:Transport=RabbitMq",
            $"--Continuum:Bus:RabbitMqUri={TestEnvironment.RabbitMqUri}",
            $"--Continuum:Bus:QueuePrefix={server.QueuePrefix}",
            $"--Continuum:Endpoints:data={server.Address}",
            $"--Continuum:Endpoints:registry={server.Address}",
            $"--Continuum:Training:Worker:Lease={Lease}",
            // One thread each: the epoch's length then depends less on what else the machine runs.
            "--Continuum:Training:Worker:Threads=1",
            "--Logging:LogLevel:MassTransit=Warning",
        ]);
    }

    /// <summary>Polls the job until <paramref name="done"/> holds or it ended; fails with the workers' logs.</summary>
    private async Task<TrainingJob> PollAsync(TrainingClient training, string name, Func<TrainingJob, bool> done)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            var job = await training.GetAsync(name);
            if (done(job) || TrainingClient.IsFinal(job.State))
            {
                return job;
            }

            Assert.True(DateTime.UtcNow < deadline,
                $"{name} is {job.State} at step {job.Progress.Step} after {JobTimeout}:{Environment.NewLine}" +
                string.Join(Environment.NewLine, workers.Select(w => w.Output)));
            await Task.Delay(50);
        }
    }

    /// <summary>The process id in a worker's name, <c>{machine}/{pid}/{run}</c>.</summary>
    private static int WorkerPid(TrainingJob job) =>
        int.Parse(job.Worker.Split('/')[1], CultureInfo.InvariantCulture);
}
