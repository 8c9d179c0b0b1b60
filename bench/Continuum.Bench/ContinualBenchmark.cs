using System.Diagnostics;
using Continuum.Data.V1;

namespace Continuum.Bench;

/// <summary>
/// The continual-learning table: Split MNIST, Split Fashion-MNIST (class-incremental, one 10-way head) and
/// Permuted MNIST (domain-incremental), each learned task by task with every strategy and several seeds, through
/// the real data, training and registry services of this process over gRPC.
/// </summary>
/// <remarks>
/// Each task is uploaded as a version of the scenario's dataset. A run is one chain of training jobs: the job for
/// task t fine-tunes the version registered for task t - 1 with the chosen strategy and is evaluated on the test
/// splits of tasks 1 to t, so the registered version carries the accuracy matrix so far. The table reports the
/// last version's average accuracy and forgetting, mean and standard deviation over seeds. A strategy the
/// training service answers Unimplemented for is reported as not available. In the result table, replay is
/// compared with joint training, the upper bound, measured in the same run.
/// </remarks>
public sealed class ContinualBenchmark : IBenchmark
{
    private const double ReplayShortfall = 6.0;

    public string Name => "continual";

    public string Description =>
        "continual-learning table (split-mnist, split-fashion, permuted-mnist x naive, ewc, lwf, replay, joint)";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        var settings = ContinualSettings.FromEnvironment();
        var total = Stopwatch.StartNew();
        foreach (var line in settings.Describe())
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        await using var server = await TrainingServer.StartAsync(TrainingBenchmark.Threads);
        var data = new DataService.DataServiceClient(server.Channel);
        var runner = new ContinualRunner(server, settings);
        var results = new List<BenchResult>();
        foreach (var name in settings.Scenarios)
        {
            var clock = Stopwatch.StartNew();
            var scenario = await ContinualData.BuildAsync(name, cancellationToken);
            var tasks = await ContinualData.UploadAsync(data, scenario, cancellationToken);
            Console.Error.WriteLine($"  {name}: {tasks.Count} tasks uploaded ({string.Join(", ", tasks)}) in "
                + $"{clock.Elapsed.TotalSeconds:N1} s");

            var runs = new List<RunOutcome>();
            foreach (var strategy in settings.Strategies)
            {
                for (var seed = 1; seed <= settings.Seeds; seed++)
                {
                    var run = await runner.RunAsync(scenario, tasks, strategy, seed, cancellationToken);
                    ContinualReport.PrintMatrix(run);
                    runs.Add(run);
                    if (run.Status is RunStatus.NotAvailable or RunStatus.Refused)
                    {
                        break; // The service answers every seed alike.
                    }
                }
            }

            Console.Error.WriteLine($"  {name}: done in {clock.Elapsed.TotalMinutes:N1} min");
            ContinualReport.PrintScenario(scenario, runs, settings);
            results.AddRange(Results(name, runs));
        }

        Console.WriteLine($"continual: {total.Elapsed.TotalMinutes:N1} min in all");
        return results;
    }

    /// <summary>Replay and naive fine-tuning against joint training, in percent, when both sides ran.</summary>
    private static IEnumerable<BenchResult> Results(string scenario, List<RunOutcome> runs)
    {
        double? Mean(string strategy)
        {
            var done = runs.Where(r => r.Strategy.Name == strategy && r.Status == RunStatus.Succeeded).ToList();
            return done.Count == 0 ? null : done.Average(r => r.Metrics!.AverageAccuracy) * 100;
        }

        if (Mean("joint") is not { } joint)
        {
            yield break;
        }

        if (Mean("replay") is { } replay)
        {
            yield return new BenchResult($"continual {scenario}", "replay avg accuracy vs joint", replay, joint, "%",
                Aim: null, AimShortfallAtMost: ReplayShortfall);
        }

        if (Mean("naive") is { } naive)
        {
            yield return new BenchResult($"continual {scenario}", "naive avg accuracy vs joint", naive, joint, "%",
                Aim: null);
        }
    }
}
