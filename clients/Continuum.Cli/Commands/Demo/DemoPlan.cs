using Continuum.Registry.V1;
using Continuum.Training.V1;

namespace Continuum.Cli.Commands.Demo;

/// <summary>
/// What one demo run creates and how it trains: one dataset, and per strategy a policy and a model of the same
/// id. The chosen strategy runs beside plain fine-tuning, with the same template and the same gate.
/// </summary>
public sealed record DemoPlan(string Prefix, string Scenario, string Strategy, bool Quick)
{
    public const string Naive = "naive";

    public string DatasetId => $"{Prefix}-fashion";

    public string Dataset => $"datasets/{DatasetId}";

    /// <summary>The chosen strategy first, then the baseline; one run when plain fine-tuning was chosen.</summary>
    public IReadOnlyList<string> Strategies => Strategy == Naive ? [Naive] : [Strategy, Naive];

    public string Id(string strategy) => $"{Prefix}-{strategy}";

    public string Model(string strategy) => $"models/{Id(strategy)}";

    public string Policy(string strategy) => $"policies/{Id(strategy)}";

    /// <summary>Share of Fashion-MNIST each arrival keeps: all of it, or a fifth for <c>--quick</c>.</summary>
    public double Fraction => Quick ? 0.2 : 1.0;

    /// <summary>
    /// Replay's gate: the candidate may not score below the champion on the newest arrival and may lose at
    /// most this much on any earlier one. Learning two new classes costs some accuracy on the old ones even with
    /// replay (coats look like pullovers); a collapse to near zero is what the bound stops.
    /// </summary>
    public PromotionGate Gate => new() { MinImprovement = 0, MaxForgetting = 0.3 };

    /// <summary>
    /// Replay runs under the forgetting-aware gate, as a policy in production would. The other strategies get no
    /// forgetting bound, so that each candidate is promoted and the next fine-tunes it on the new arrival alone:
    /// the chain the field measures a strategy by. Under the bound the gate would keep their first champion, every
    /// later job would learn all arrivals since at once, and the table would no longer show the strategy.
    /// </summary>
    public PromotionGate GateFor(string strategy) =>
        strategy == "replay" ? Gate : new PromotionGate { MinImprovement = 0 };

    public Policy PolicyFor(string strategy) => new()
    {
        Description = $"continuum demo: {strategy} on {Scenario} Fashion-MNIST arrivals",
        Dataset = Dataset,
        Model = Model(strategy),
        TrainingTemplate = Template(strategy),
        PromotionGate = GateFor(strategy),
    };

    private TrainingSpec Template(string strategy) => new()
    {
        Architecture = new Architecture { Mlp = new MlpArchitecture { HiddenSizes = { 400, 400 } } },
        Optimizer = new Optimizer { Kind = OptimizerKind.Adam, LearningRate = 0.001 },
        BatchSize = 128,
        Epochs = Quick ? 3 : 4,
        Seed = 1,
        Device = Continuum.Training.V1.Device.Auto,
        Strategy = StrategyFor(strategy),
        // The guard refuses ewc and lwf alone on class-incremental data; asked for by name, the demo runs them
        // to show why.
        AllowUnsafeScenario = strategy is "ewc" or "lwf",
    };

    private ContinualStrategy StrategyFor(string strategy) => strategy switch
    {
        "replay" => new ContinualStrategy
        {
            Replay = new ReplayStrategy
            {
                BufferSize = Quick ? 2000 : 8000,
                Selection = ReplaySelection.ClassBalanced,
                BufferDataset = $"datasets/{Prefix}-replay-buffer",
            },
        },
        "ewc" => new ContinualStrategy { Ewc = new EwcStrategy { PenaltyStrength = 5000 } },
        "lwf" => new ContinualStrategy { Lwf = new LwfStrategy { Temperature = 2, DistillationWeight = 1 } },
        _ => new ContinualStrategy { Naive = new NaiveStrategy() },
    };
}
