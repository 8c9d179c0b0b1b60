using System.Globalization;
using Continuum.Registry.V1;
using Continuum.Training.V1;

namespace Continuum.Bench;

/// <summary>
/// A strategy of the table: its parameters as the training service takes them, and the figure van de Ven and
/// Tolias (2019) published for it on class-incremental Split MNIST, when there is one.
/// </summary>
/// <param name="Unsafe">Whether the strategy alone is refused on class-incremental data unless the job says
/// <c>allow_unsafe_scenario</c> (regularisation without replay cannot keep old classes apart).</param>
public sealed record StrategyChoice(
    string Name, ContinualStrategy Proto, bool Unsafe, string? PublishedLabel, double? Published, string Parameters);

/// <summary>
/// What the continual benchmark runs, read from the environment (see bench/run.sh), and the recipe shared by
/// every job: an MLP 784-400-400-10 trained with Adam, as van de Ven and Tolias (2019) used for Split MNIST.
/// </summary>
public sealed record ContinualSettings(
    IReadOnlyList<string> Scenarios, IReadOnlyList<StrategyChoice> Strategies, int Seeds, int? Epochs,
    double EwcLambda, TimeSpan JobTimeout)
{
    public static readonly string[] DefaultStrategies = ["naive", "ewc", "lwf", "replay", "joint"];
    public static readonly string[] AllStrategies = [.. DefaultStrategies, "ewc-online"];

    public const int BatchSize = 128;
    public const double LearningRate = 0.001;
    public const int ReplayBuffer = 2000;
    public const int FisherSamples = 1000;
    public const double LwfTemperature = 2;
    public const double LwfWeight = 1;

    /// <summary>
    /// Passes over each task's training data. The MNIST digits give 1,600 training examples a task for Split
    /// and 8,000 for Permuted, Fashion-MNIST 12,000 a task; van de Ven and Tolias trained 2,000 batches of 128
    /// a task on the full MNIST, more than two cores allow for the whole table.
    /// </summary>
    public int EpochsFor(string scenario) => Epochs ?? scenario switch
    {
        "split-mnist" => 10,
        "permuted-mnist" => 3,
        _ => 2,
    };

    public static Architecture Architecture => new() { Mlp = new MlpArchitecture { HiddenSizes = { 400, 400 } } };

    public static ContinualSettings FromEnvironment()
    {
        var scenarios = List("CONTINUAL_BENCH_SCENARIOS", ContinualData.ScenarioNames, ContinualData.ScenarioNames);
        var lambda = Number("CONTINUAL_BENCH_EWC_LAMBDA") ?? 5000;
        var strategies = List("CONTINUAL_BENCH_STRATEGIES", DefaultStrategies, AllStrategies)
            .Select(s => Strategy(s, lambda)).ToList();
        var seeds = (int)(Number("CONTINUAL_BENCH_SEEDS") ?? 3);
        var epochs = Number("CONTINUAL_BENCH_EPOCHS") is { } e ? (int)e : (int?)null;
        var timeout = TimeSpan.FromMinutes(Number("CONTINUAL_BENCH_JOB_TIMEOUT_MINUTES") ?? 20);
        if (seeds < 1 || epochs < 1 || !(lambda > 0) || timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("CONTINUAL_BENCH_SEEDS, _EPOCHS, _EWC_LAMBDA and _JOB_TIMEOUT_MINUTES "
                + "must be positive.");
        }

        return new ContinualSettings(scenarios, strategies, seeds, epochs, lambda, timeout);
    }

    /// <summary>One line per strategy parameter choice, for the output.</summary>
    public IEnumerable<string> Describe() =>
    [
        $"MLP 784-400-400-10, Adam lr {LearningRate}, batch {BatchSize}, epochs per task "
            + string.Join(", ", Scenarios.Select(s => $"{s} {EpochsFor(s)}"))
            + $"; {Seeds} seed(s) (training seeds 1..{Seeds}); a fresh optimizer per task.",
        .. Strategies.Select(s => $"{s.Name}: {s.Parameters}"),
        .. Strategies.Any(s => s.Unsafe)
            ? [$"Jobs of {string.Join(", ", Strategies.Where(s => s.Unsafe).Select(s => s.Name))} set "
                + "allow_unsafe_scenario on the split scenarios: without replay these strategies cannot keep the "
                + "classes of earlier tasks apart, which is what the table shows."]
            : Array.Empty<string>(),
    ];

    private static StrategyChoice Strategy(string name, double lambda) => name switch
    {
        "naive" => new(name, new ContinualStrategy { Naive = new NaiveStrategy() }, false, "none", 0.199,
            "fine-tuning on each task's data alone"),
        "ewc" => new(name, Ewc(lambda, online: false), true, "EWC", 0.200,
            $"penalty strength (lambda) {lambda:G}, diagonal Fisher from {FisherSamples:N0} training examples of "
            + "each task, one penalty per task (Kirkpatrick et al. 2017)"),
        "ewc-online" => new(name, Ewc(lambda, online: true), true, "online EWC", 0.200,
            $"penalty strength {lambda:G}, one running Fisher (decay 1) from {FisherSamples:N0} examples a task "
            + "(Schwarz et al. 2018)"),
        "lwf" => new(name, new ContinualStrategy
        {
            Lwf = new LwfStrategy { Temperature = LwfTemperature, DistillationWeight = LwfWeight },
        }, true, "LwF", 0.239, $"temperature {LwfTemperature}, distillation weight {LwfWeight} (Li and Hoiem 2016)"),
        "replay" => new(name, new ContinualStrategy
        {
            Replay = new ReplayStrategy
            {
                BufferSize = ReplayBuffer, Selection = ReplaySelection.ClassBalanced, BatchFraction = 0.5,
            },
        }, false, "iCaRL, 2,000 exemplars", 0.946,
            $"buffer of {ReplayBuffer:N0} examples, class balanced, half of every batch from the buffer"),
        "joint" => new(name, new ContinualStrategy { Joint = new JointStrategy() }, false, "joint", 0.979,
            "retrained from scratch on every task so far: the upper bound"),
        _ => throw new ArgumentException($"Unknown strategy {name}."),
    };

    private static ContinualStrategy Ewc(double lambda, bool online) => new()
    {
        Ewc = new EwcStrategy
        {
            PenaltyStrength = lambda, Online = online, OnlineDecay = online ? 1 : 0, FisherSampleCount = FisherSamples,
        },
    };

    private static List<string> List(string variable, string[] defaults, string[] known)
    {
        var names = Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            : [.. defaults];
        if (names.FirstOrDefault(n => !known.Contains(n)) is { } unknown)
        {
            throw new ArgumentException($"{variable}: unknown '{unknown}'; known: {string.Join(", ", known)}.");
        }

        return names;
    }

    private static double? Number(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
            ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new ArgumentException($"{variable}: '{text}' is not a number.")
            : null;
}
