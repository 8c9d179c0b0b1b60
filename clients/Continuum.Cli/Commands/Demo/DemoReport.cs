using System.Globalization;
using System.Text;
using Continuum.Data.V1;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using Grpc.Core;
using Scorecard = Continuum.Ml.Continual.AccuracyMatrix;

namespace Continuum.Cli.Commands.Demo;

/// <summary>One strategy's run: its accuracy matrix (a row per arrival) and the versions it registered.</summary>
public sealed record RunReport(
    string Strategy, string Model, string Policy, IReadOnlyList<IReadOnlyList<double>> AccuracyMatrix,
    double AverageAccuracy, double Forgetting, double BackwardTransfer, IReadOnlyList<double> TaskForgetting,
    string Champion, IReadOnlyList<VersionReport> Versions, IReadOnlyList<string> Failures);

/// <summary>A registered version as the report lists it, with its aliases and lineage.</summary>
public sealed record VersionReport(
    string Name, long Number, IReadOnlyList<string> Aliases, string ParentModelVersion,
    IReadOnlyList<string> TrainingDatasetVersions, string ReplayDatasetVersion, string TrainingJob,
    double AverageAccuracy, bool Promoted, IReadOnlyList<string> GateReasons);

/// <summary>The demo's report: the JSON document of <c>--output json</c>, and the source of the table and Markdown.</summary>
public sealed record DemoReport(
    string Prefix, string Scenario, string Strategy, bool Quick, string Server, double DurationSeconds,
    string Dataset, IReadOnlyList<string> DatasetVersions, IReadOnlyList<string> Tasks, IReadOnlyList<RunReport> Runs,
    string? ReportPath)
{
    /// <summary>Reads every run's candidates back from the registry: the report shows what the registry holds.</summary>
    public static async Task<DemoReport> BuildAsync(CallInvoker invoker, DemoPlan plan, DemoOutcome outcome,
        IReadOnlyList<Arrival> arrivals, string server, TimeSpan duration, CancellationToken ct)
    {
        var registry = new RegistryService.RegistryServiceClient(invoker);
        var runs = new List<RunReport>();
        foreach (var strategy in plan.Strategies)
        {
            runs.Add(await RunAsync(registry, plan, strategy, outcome.DatasetVersions, outcome.Runs[strategy], ct));
        }

        return new DemoReport(plan.Prefix, plan.Scenario, plan.Strategy, plan.Quick, server,
            Math.Round(duration.TotalSeconds, 1), plan.Dataset, outcome.DatasetVersions,
            arrivals.Select(a => a.Title).ToList(), runs, ReportPath: null);
    }

    private static async Task<RunReport> RunAsync(RegistryService.RegistryServiceClient registry, DemoPlan plan,
        string strategy, IReadOnlyList<string> tasks, IReadOnlyList<PolicyRun> runs, CancellationToken ct)
    {
        // Row i: the candidate registered for arrival i, on the test split of arrivals 1 to i. A failed run has
        // no candidate, and the matrix stops before it.
        var rows = new List<IReadOnlyList<double>>();
        var failures = new List<string>();
        for (var i = 0; i < runs.Count; i++)
        {
            if (runs[i].ModelVersion.Length == 0)
            {
                failures.Add($"{tasks[i]}: {(StatusCode)runs[i].Error.Code}: {runs[i].Error.Message}");
                break;
            }

            var version = (await registry.GetModelVersionAsync(
                new GetModelVersionRequest { Name = runs[i].ModelVersion }, cancellationToken: ct)).ModelVersion;
            var accuracy = version.Metrics.Evaluations.Where(e => e.Split == Split.Test)
                .ToDictionary(e => e.DatasetVersion, e => e.Accuracy);
            rows.Add(tasks.Take(i + 1).Select(t => accuracy.GetValueOrDefault(t)).ToList());
        }

        var matrix = new Scorecard(rows);
        var model = plan.Model(strategy);
        var versions = new List<VersionReport>();
        var token = "";
        do
        {
            var page = await registry.ListModelVersionsAsync(
                new ListModelVersionsRequest { Parent = model, PageSize = 1000, PageToken = token }, cancellationToken: ct);
            foreach (var v in page.ModelVersions)
            {
                var run = runs.FirstOrDefault(r => r.ModelVersion == v.Name);
                versions.Add(new VersionReport(v.Name, v.VersionNumber, [.. v.Aliases],
                    v.Lineage?.ParentModelVersion ?? "", [.. v.Lineage?.TrainingDatasetVersions ?? []],
                    v.Lineage?.ReplayDatasetVersion ?? "", v.Lineage?.TrainingJob ?? "",
                    v.Metrics?.AverageAccuracy ?? 0, run?.Promoted ?? false, [.. run?.GateReasons ?? []]));
            }

            token = page.NextPageToken;
        }
        while (token.Length > 0);

        var champion = versions.FirstOrDefault(v => v.Aliases.Contains("champion"))?.Name ?? "";
        return new RunReport(strategy, model, plan.Policy(strategy), matrix.Rows, Round(matrix.AverageAccuracy),
            Round(matrix.Forgetting), Round(matrix.BackwardTransfer), [.. matrix.TaskForgetting.Select(Round)],
            champion, [.. versions.OrderBy(v => v.Number)], failures);
    }

    private static double Round(double value) => Math.Round(value, 4);

    /// <summary>The report as Markdown, pointing at the picture saved beside it.</summary>
    public string ToMarkdown(string picture)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# Continuum demo {Prefix}");
        md.AppendLine();
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"Fashion-MNIST in {Tasks.Count} {Scenario} arrivals{(Quick ? " (quick: a fifth of the data)" : "")}, "
            + $"{Strategy} beside plain fine-tuning, on {Server}; {DurationSeconds:0} s in all."));
        md.AppendLine();
        md.AppendLine("| strategy | average accuracy | forgetting | backward transfer | champion |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var run in Runs)
        {
            var champion = run.Champion.Length > 0 ? run.Champion : "none";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {run.Strategy} | {run.AverageAccuracy:0.000} | "
                + $"{run.Forgetting:0.000} | {run.BackwardTransfer:0.000} | {champion} |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"![accuracy matrices and per-task accuracy]({picture})");
        foreach (var run in Runs)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"## {run.Strategy}: accuracy on each arrival's test split after each arrival");
            md.AppendLine();
            md.AppendLine("| after | " + string.Join(" | ", Tasks.Select((t, j) => $"{j + 1}. {t}")) + " |");
            md.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", Tasks.Count)));
            for (var i = 0; i < run.AccuracyMatrix.Count; i++)
            {
                var row = run.AccuracyMatrix[i];
                var cells = Enumerable.Range(0, Tasks.Count)
                    .Select(j => j < row.Count ? row[j].ToString("0.000", CultureInfo.InvariantCulture) : "");
                md.AppendLine(CultureInfo.InvariantCulture, $"| arrival {i + 1} | {string.Join(" | ", cells)} |");
            }

            md.AppendLine();
            md.AppendLine("| version | aliases | parent | trained on | replayed | average accuracy | gate |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var v in run.Versions)
            {
                md.AppendLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {v.Name} | {string.Join(", ", v.Aliases)} | {v.ParentModelVersion} "
                    + $"| {string.Join(", ", v.TrainingDatasetVersions)} | {v.ReplayDatasetVersion} "
                    + $"| {v.AverageAccuracy:0.000} | {Gate(v)} |"));
            }

            foreach (var failure in run.Failures)
            {
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"Failed: {failure}");
            }
        }

        return md.ToString();
    }

    public static string Gate(VersionReport version) =>
        version.Promoted ? "promoted" : version.GateReasons.Count > 0 ? string.Join("; ", version.GateReasons) : "-";
}
