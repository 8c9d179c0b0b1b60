using Spectre.Console;

namespace Continuum.Bench;

/// <summary>
/// The continual benchmark's own output: each run's accuracy matrix on standard error as it finishes, and per
/// scenario one table of strategies (mean and standard deviation over seeds) on standard output.
/// </summary>
public static class ContinualReport
{
    // Spectre.Console wraps at 80 columns when the output is not a terminal; the table needs a little more.
    private static readonly IAnsiConsole Out = Wide();

    public const string PublishedSource =
        "van de Ven & Tolias 2019, class-incremental Split MNIST (full MNIST, MLP 2x400, 2,000 batches a task)";

    /// <summary>R[i][j], accuracy on task j after learning task i, and the summary figures of the run.</summary>
    public static void PrintMatrix(RunOutcome run)
    {
        var title = $"{run.Scenario} {run.Strategy.Name} seed {run.Seed}";
        if (run.Status != RunStatus.Succeeded || run.Metrics?.AccuracyMatrix is not { } matrix)
        {
            Console.Error.WriteLine($"  {title}: {Status(run)}");
            return;
        }

        Console.Error.WriteLine($"  {title}: accuracy matrix (row i: after task i; column j: task j), "
            + $"{run.Elapsed.TotalMinutes:N1} min");
        for (var i = 0; i < matrix.Rows.Count; i++)
        {
            Console.Error.WriteLine($"    after task {i + 1}: "
                + string.Join(" ", matrix.Rows[i].Accuracies.Select(a => $"{a:F3}")));
        }

        Console.Error.WriteLine($"    average accuracy {run.Metrics.AverageAccuracy:F3}, forgetting "
            + $"{run.Metrics.Forgetting:F3}, backward transfer {run.Metrics.BackwardTransfer:F3}");
    }

    public static void PrintScenario(
        ContinualScenario scenario, IReadOnlyList<RunOutcome> runs, ContinualSettings settings)
    {
        var published = scenario.Name == "split-mnist";
        Console.WriteLine($"{scenario.Name}: {scenario.Kind}");
        var table = new Table().AddColumns("strategy", "average accuracy", "forgetting", "runs", "min/run");
        if (published)
        {
            table.AddColumn("published");
        }

        var notes = new List<string>();
        foreach (var strategy in settings.Strategies)
        {
            var mine = runs.Where(r => r.Strategy.Name == strategy.Name).ToList();
            var done = mine.Where(r => r.Status == RunStatus.Succeeded && r.Metrics is not null).ToList();
            var cells = new List<string> { strategy.Name };
            if (mine.FirstOrDefault(r => r.Status != RunStatus.Succeeded) is { } bad)
            {
                notes.Add($"{strategy.Name}, seed {bad.Seed}: {Status(bad)}");
            }

            if (done.Count == 0)
            {
                cells.AddRange([mine.Count == 0 ? "not run" : Short(mine[0].Status), "", "0", ""]);
            }
            else
            {
                cells.AddRange([
                    MeanSd(done.Select(r => r.Metrics!.AverageAccuracy)),
                    MeanSd(done.Select(r => r.Metrics!.Forgetting)),
                    $"{done.Count}/{mine.Count}",
                    $"{done.Average(r => r.Elapsed.TotalMinutes):N1}",
                ]);
            }

            if (published)
            {
                cells.Add(strategy.Published is { } p ? Markup.Escape($"{p:F3} ({strategy.PublishedLabel})") : "");
            }

            table.AddRow(cells.ToArray());
        }

        Out.Write(table);
        if (published)
        {
            Console.WriteLine($"published: {PublishedSource}");
        }

        foreach (var note in notes)
        {
            Console.WriteLine(note);
        }

        Console.WriteLine();
    }

    private static IAnsiConsole Wide()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = 120;
        }

        return console;
    }

    /// <summary>Mean over the seeds, and the sample standard deviation when there are two or more.</summary>
    public static string MeanSd(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        if (list.Count < 2)
        {
            return $"{mean:F3}";
        }

        var sd = Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
        return $"{mean:F3} ± {sd:F3}";
    }

    private static string Short(RunStatus status) => status switch
    {
        RunStatus.NotAvailable => "not available",
        RunStatus.TimedOut => "timed out",
        _ => status.ToString().ToLowerInvariant(),
    };

    public static string Status(RunOutcome run) => run.Status switch
    {
        RunStatus.Succeeded => "succeeded",
        RunStatus.NotAvailable => $"not available ({run.Detail})",
        RunStatus.Refused => $"refused: {run.Detail}",
        RunStatus.TimedOut => $"timed out: {run.Detail}",
        _ => $"failed: {run.Detail}",
    };
}
