using Continuum.Data.V1;
using Continuum.Registry.V1;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Training.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Continuum.Tests.Training;

/// <summary>Test-side calls to the training service, and the Fashion-MNIST slice the jobs train on.</summary>
public sealed class TrainingClient(GrpcChannel channel)
{
    public TrainingService.TrainingServiceClient Raw { get; } = new(channel);

    /// <summary>Dataset <c>fm</c> with one version: the first train and test examples of Fashion-MNIST.</summary>
    /// <summary>
    /// Creates <paramref name="dataset"/> and uploads the first examples of Fashion-MNIST's splits to it, without
    /// a test split when <paramref name="test"/> is 0; returns the version's name.
    /// </summary>
    public static async Task<string> UploadSliceAsync(GrpcChannel channel, int train, int test, string dataset = "fm")
    {
        var data = new DataClient(channel);
        await data.CreateFashionDatasetAsync(dataset);
        var (trainPixels, trainLabels) =
            FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, train);
        var testSlice = test == 0
            ? default
            : FashionMnist.ReadSlice(FashionMnist.TestImages, FashionMnist.TestLabels, test);
        var parts = DataClient.IdxParts(trainPixels, trainLabels, testSlice.Images, testSlice.Labels);
        var created = await data.UploadAsync(dataset, DataFormat.Idx, parts);
        return created.DatasetVersion.Name;
    }

    public static TrainingSpec MlpSpec(string datasetVersion, int epochs = 2) => new()
    {
        TrainingDatasetVersions = { datasetVersion },
        Architecture = new Architecture { Mlp = new MlpArchitecture { HiddenSizes = { 64 } } },
        Optimizer = new Optimizer { Kind = OptimizerKind.Adam, LearningRate = 0.002 },
        BatchSize = 64,
        Epochs = epochs,
        Seed = 11,
        Device = Continuum.Training.V1.Device.Cpu,
        RegisterModel = "models/fm-mlp",
    };

    public async Task<TrainingJob> CreateAsync(TrainingSpec spec, string requestId = "")
    {
        var response = await Raw.CreateTrainingJobAsync(new CreateTrainingJobRequest
        {
            TrainingJob = new TrainingJob { Spec = spec }, RequestId = requestId,
        }).ResponseAsync.WaitAsync(TestEnvironment.Timeout);
        return response.TrainingJob;
    }

    /// <summary>Every message of a job's watch stream, until it ends with the job's final state.</summary>
    public async Task<List<WatchTrainingJobResponse>> WatchToEndAsync(string name, TimeSpan? timeout = null)
    {
        using var call = Raw.WatchTrainingJob(new WatchTrainingJobRequest { Name = name });
        var messages = new List<WatchTrainingJobResponse>();
        while (await call.ResponseStream.MoveNext(CancellationToken.None)
            .WaitAsync(timeout ?? TimeSpan.FromMinutes(5)))
        {
            messages.Add(call.ResponseStream.Current);
        }

        return messages;
    }

    public async Task<TrainingJob> GetAsync(string name) =>
        (await Raw.GetTrainingJobAsync(new GetTrainingJobRequest { Name = name })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout)).TrainingJob;

    /// <summary>
    /// Polls until <paramref name="done"/> holds or the job ended; the watch stream is tested elsewhere.
    /// </summary>
    public async Task<TrainingJob> WaitForAsync(string name, Func<TrainingJob, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            var job = await GetAsync(name);
            if (done(job) || IsFinal(job.State) || DateTime.UtcNow > deadline)
            {
                return job;
            }

            await Task.Delay(100);
        }
    }

    public static bool IsFinal(TrainingJobState state) =>
        state is TrainingJobState.Succeeded or TrainingJobState.Failed or TrainingJobState.Cancelled;

    public static async Task<RpcException> FailsAsync(Func<Task> call) =>
        await Assert.ThrowsAsync<RpcException>(call);
}
