using Continuum.Bench;
using Spectre.Console;

IBenchmark[] all =
[
    new BlobStoreBenchmark(), new DataUploadBenchmark(), new DataReadBenchmark(), new RegistryBenchmark(),
    new TrainingBenchmark(), new TrainingMemoryBenchmark(), new ContinualBenchmark(),
];

if (args.Contains("--list"))
{
    foreach (var b in all)
    {
        Console.WriteLine($"{b.Name,-16} {b.Description}");
    }

    return 0;
}

var unknown = args.Where(a => all.All(b => b.Name != a)).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown benchmark(s): {string.Join(", ", unknown)}. "
        + $"Known: {string.Join(", ", all.Select(b => b.Name))}.");
    return 2;
}

var selected = args.Length == 0 ? all : all.Where(b => args.Contains(b.Name)).ToArray();
var results = new List<BenchResult>();
foreach (var benchmark in selected)
{
    Console.Error.WriteLine($"Running {benchmark.Name}: {benchmark.Description}");
    results.AddRange(await benchmark.RunAsync(CancellationToken.None));
}

var table = new Table().AddColumns("benchmark", "metric", "ours", "baseline", "ratio", "aim");
foreach (var r in results)
{
    var verdict = r.MeetsAim switch { true => "[green]met[/]", false => "[red]missed[/]", null => "" };
    table.AddRow(r.Benchmark, r.Metric, $"{r.Ours:N1} {r.Unit}", $"{r.Baseline:N1} {r.Unit}", $"{r.Ratio:N2}",
        r.MeetsAim is null ? "" : $"{r.AimText} {verdict}");
}

AnsiConsole.Write(table);
return 0;
