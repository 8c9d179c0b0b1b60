using Continuum.Data.V1;
using Continuum.Registry.V1;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Training.V1;
using Grpc.Net.Client;

namespace Continuum.Tests.Training;

/// <summary>Test-side calls for policies, and class-incremental arrivals cut from one Fashion-MNIST slice.</summary>
public sealed class PolicyClient(GrpcChannel channel)
{
    private readonly (byte[] Pixels, byte[] Labels) _train =
        FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 6000);
    private readonly (byte[] Pixels, byte[] Labels) _test =
        FashionMnist.ReadSlice(FashionMnist.TestImages, FashionMnist.TestLabels, 500);

    public TrainingService.TrainingServiceClient Raw { get; } = new(channel);

    public static Policy Replay(string dataset, string model, double maxForgetting) => new()
    {
        Dataset = $"datasets/{dataset}",
        Model = $"models/{model}",
        TrainingTemplate = Template(new ContinualStrategy { Replay = new ReplayStrategy { BufferSize = 200 } }),
        PromotionGate = new PromotionGate { MinImprovement = 0, MaxForgetting = maxForgetting },
    };

    public static TrainingSpec Template(ContinualStrategy strategy) => new()
    {
        Architecture = new Architecture { Mlp = new MlpArchitecture { HiddenSizes = { 64 } } },
        Optimizer = new Optimizer { Kind = OptimizerKind.Adam, LearningRate = 0.002 },
        BatchSize = 64,
        Epochs = 3,
        Seed = 5,
        Device = Continuum.Training.V1.Device.Cpu,
        Strategy = strategy,
    };

    public async Task<Policy> CreateAsync(string id, Policy policy) =>
        (await Raw.CreatePolicyAsync(new CreatePolicyRequest { PolicyId = id, Policy = policy })
            .ResponseAsync.WaitAsync(TestEnvironment.Timeout)).Policy;

    public async Task<Policy> GetAsync(string name) =>
        (await Raw.GetPolicyAsync(new GetPolicyRequest { Name = name }).ResponseAsync
            .WaitAsync(TestEnvironment.Timeout)).Policy;

    /// <summary>Uploads the slice's examples of <paramref name="classes"/> as a new version of the dataset.</summary>
    public async Task<string> ArriveAsync(string dataset, params int[] classes)
    {
        var parts = DataClient.IdxParts(_train.Pixels, _train.Labels, _test.Pixels, _test.Labels);
        var created = await new DataClient(channel).UploadAsync(dataset, DataFormat.Idx, parts,
            m => m.KeepClasses.Add(classes));
        return created.DatasetVersion.Name;
    }

    /// <summary>Polls until the policy has a final run for every one of <paramref name="versions"/>.</summary>
    public async Task<Policy> WaitForRunsAsync(string name, params string[] versions)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (true)
        {
            var policy = await GetAsync(name);
            var ended = policy.RecentRuns.Where(r => r.State != PolicyRunState.Running).Select(r => r.DatasetVersion);
            if (versions.All(ended.Contains) || DateTime.UtcNow > deadline)
            {
                return policy;
            }

            await Task.Delay(100);
        }
    }
}
