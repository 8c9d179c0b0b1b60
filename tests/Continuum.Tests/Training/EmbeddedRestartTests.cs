using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using Continuum.Training.V1;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace Continuum.Tests.Training;

/// <summary>
/// The embedded default, killed mid-job: its in-memory bus dies with it, so the job's message is gone and only the
/// next process on the same data folder can bring the job back.
/// </summary>
public sealed class EmbeddedRestartTests(ITestOutputHelper log)
{
    private const int TrainExamples = 6000;
    private const int BatchSize = 32;
    private const int Epochs = 3;
    private const long StepsPerEpoch = (TrainExamples + BatchSize - 1) / BatchSize;
    private const string Lease = "--Continuum:Training:Worker:Lease=00:00:04";

    [Fact]
    public async Task NextStart_ResumesTheKilledProcessJobFromItsCheckpoint_OneVersion()
    {
        var dir = TestEnvironment.NewTempDir();
        var name = await KillMidJobAsync(dir);

        await using var next = await RunningHost.StartAsync(Backend.Embedded, dataDir: dir, settings: [Lease]);
        var training = new TrainingClient(next.Channel);
        var job = await training.WaitForAsync(name, _ => false);
        var versions = (await new RegistryClient(next.Channel).Raw.ListModelVersionsAsync(
            new ListModelVersionsRequest { Parent = "models/fm-mlp" }).ResponseAsync).ModelVersions;

        Assert.True(job.State == TrainingJobState.Succeeded, $"{job.State}: {job.Error}");
        Assert.Equal(2, job.AttemptCount);
        Assert.Equal(Epochs * StepsPerEpoch, job.Progress.Step);
        Assert.Equal(["models/fm-mlp/versions/1"], versions.Select(v => v.Name));
        // Every epoch recorded once: the second process went on from the checkpoint rather than from scratch.
        Assert.Equal(Enumerable.Range(1, Epochs),
            job.MetricHistory.Where(p => p.Scope == MetricScope.Epoch).Select(p => p.Epoch));
    }

    [Fact]
    public async Task Cancel_JobOfAKilledProcess_CancelledAtOnceAndPublished()
    {
        var dir = TestEnvironment.NewTempDir();
        var name = await KillMidJobAsync(dir);
        var failed = new EventInbox<TrainingJobFailed>();
        // No worker here, so nothing resumes the job; its dead worker's lease runs out meanwhile.
        await using var next = await RunningHost.StartAsync(Backend.Embedded, failed.AttachTo, dir,
            [Lease, "--Continuum:Training:Worker:Enabled=false"]);
        await Task.Delay(TimeSpan.FromSeconds(5));

        var cancelled = (await new TrainingClient(next.Channel).Raw.CancelTrainingJobAsync(
            new CancelTrainingJobRequest { Name = name })).TrainingJob;
        var published = await failed.WaitForAsync(e => e.TrainingJob == name);

        Assert.Equal(TrainingJobState.Cancelled, cancelled.State);
        Assert.Equal((int)Grpc.Core.StatusCode.Cancelled, published.ErrorCode);
    }

    [Fact]
    public async Task SecondProcessOnTheSameFolder_LeavesTheFirstOnesLiveJobAlone_AndRunsItsOwn()
    {
        await using var first = await RunningHost.StartAsync(Backend.Embedded, settings: [Lease]);
        var version = await TrainingClient.UploadSliceAsync(first.Channel, train: TrainExamples, test: 100);
        var spec = TrainingClient.MlpSpec(version, epochs: 50);
        spec.Architecture.Mlp.HiddenSizes.Clear();
        spec.Architecture.Mlp.HiddenSizes.Add([512, 256]);
        var training = new TrainingClient(first.Channel);
        var busy = await training.CreateAsync(spec);
        await training.WaitForAsync(busy.Name, j => j.State == TrainingJobState.Running);

        // The second process queues the first one's job again once the lease it read has run out; the first
        // process has renewed it meanwhile, so the second one's worker must let go of it rather than wait.
        var second = await RunningHost.StartAsync(Backend.Embedded, dataDir: first.DataDir, settings: [Lease]);
        TrainingJob done, other;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(7));
            var own = TrainingClient.MlpSpec(version, epochs: 1);
            own.RegisterModel = "models/second";
            var secondTraining = new TrainingClient(second.Channel);
            var created = await secondTraining.CreateAsync(own);
            done = await secondTraining.WaitForAsync(created.Name, _ => false);
            other = await training.GetAsync(busy.Name);
            await training.Raw.CancelTrainingJobAsync(new CancelTrainingJobRequest { Name = busy.Name });
        }
        finally
        {
            // The folder is the first host's, which removes it once its own worker has stopped.
            await second.StopAsync(keepDataDir: true);
        }

        Assert.True(done.State == TrainingJobState.Succeeded, $"{done.State}: {done.Error}");
        Assert.Equal(TrainingJobState.Running, other.State);
        Assert.Equal(1, other.AttemptCount);
    }

    /// <summary>
    /// Runs the embedded suite as a process of its own on <paramref name="dir"/>, queues a job there and kills the
    /// process once the job has a checkpoint and has trained past it; returns the job's name.
    /// </summary>
    private async Task<string> KillMidJobAsync(string dir)
    {
        using var first = await ServiceProcess.StartAsync("embedded", "Continuum.Host",
        [
            "--urls=http://127.0.0.1:0", $"--Continuum:DataDir={dir}", Lease,
            "--Continuum:Training:Worker:Threads=1", "--Logging:LogLevel:MassTransit=Warning",
        ]);
        using var channel = GrpcChannel.ForAddress(first.Address);
        var version = await TrainingClient.UploadSliceAsync(channel, train: TrainExamples, test: 100);
        var training = new TrainingClient(channel);
        var spec = TrainingClient.MlpSpec(version, Epochs);
        spec.BatchSize = BatchSize;
        // Wide enough that an epoch takes seconds on one thread, so the kill lands inside one.
        spec.Architecture.Mlp.HiddenSizes.Clear();
        spec.Architecture.Mlp.HiddenSizes.Add([512, 256]);
        var queued = await training.CreateAsync(spec);

        var running = await training.WaitForAsync(queued.Name, j => j.Progress.CheckpointEpoch >= 1
            && j.Progress.Step > j.Progress.CheckpointEpoch * StepsPerEpoch);
        Assert.True(running.State == TrainingJobState.Running, $"{running.State}: {running.Error}\n{first.Output}");
        first.Kill();
        log.WriteLine($"Killed at step {running.Progress.Step}, checkpoint of epoch {running.Progress.CheckpointEpoch}");
        return queued.Name;
    }
}
