using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Continuum.Host;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace Continuum.Cli.Commands.Demo;

/// <summary>
/// <c>continuum demo</c>: the continual-learning loop on real Fashion-MNIST, from an empty server to a report.
/// Without <c>--server</c> the whole suite runs in this process (SQLite, in-memory bus, files under
/// <c>--data-dir</c>); with it, the demo drives that cluster through its public API, as any client would.
/// </summary>
public static class DemoCommand
{
    private static readonly JsonSerializerOptions ReportJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Create()
    {
        var data = new Option<DirectoryInfo>("--data")
        {
            HelpName = "DIR",
            Description = "Folder with the four Fashion-MNIST .gz files (apt-get install dataset-fashion-mnist).",
            DefaultValueFactory = _ => new DirectoryInfo("/usr/share/datasets/fashion-mnist"),
        };
        var quick = new Option<bool>("--quick") { Description = "A fifth of the data and fewer epochs (about 20 s on 2 cores)." };
        var strategy = new Option<string>("--strategy")
        {
            Description = "The strategy shown beside plain fine-tuning.",
            DefaultValueFactory = _ => "replay",
        };
        strategy.AcceptOnlyFromAmong("replay", DemoPlan.Naive, "ewc", "lwf");
        var scenario = new Option<string>("--scenario")
        {
            Description = "class-incremental: two new classes an arrival; domain-incremental: every class, new "
                + "pixel permutation.",
            DefaultValueFactory = _ => FashionArrivals.ClassIncremental,
        };
        scenario.AcceptOnlyFromAmong(FashionArrivals.ClassIncremental, FashionArrivals.DomainIncremental);
        var dataDir = DataDirOption.Create(
            "Where the embedded suite keeps its files, and where the report is written.");

        var command = new Command("demo", "The continual-learning loop on Fashion-MNIST: five arrivals, a policy "
            + "that retrains and promotes, plain fine-tuning beside it, and a report.")
        {
            data, quick, strategy, scenario, dataDir,
        };
        command.SetAction(async (parsed, ct) =>
        {
            var error = parsed.InvocationConfiguration.Error;
            var source = parsed.GetValue(data)!;
            if (FashionArrivals.Missing(source) is { } missing)
            {
                await error.WriteLineAsync($"continuum demo: {missing} is missing. Install Fashion-MNIST with "
                    + "'apt-get install dataset-fashion-mnist', or point --data at a folder holding its four .gz files.");
                return CliApp.UsageError;
            }

            // Ctrl-C stops the demo, which then stops its suite: the suite must not take the signal for itself.
            using var interruption = new Interruption(ct);
            var log = new DemoLog(error);
            var directory = parsed.GetValue(dataDir)!;
            var remote = parsed.GetResult(GlobalOptions.Server) is { Implicit: false }
                || Environment.GetEnvironmentVariable("CONTINUUM_SERVER") is { Length: > 0 };
            WebApplication? host = null;
            try
            {
                var server = parsed.GetValue(GlobalOptions.Server)!;
                if (!remote)
                {
                    log.Line($"Starting every Continuum service in this process (files under {directory.FullName}).");
                    host = await StartEmbeddedAsync(directory, interruption.Token);
                    server = host.Urls.Single();
                }

                return await ServerConnection.RunAsync(parsed, server, async connection =>
                {
                    try
                    {
                        return await RunAsync(parsed, connection, log, source, directory,
                            remote ? server : "the embedded suite", interruption.Token);
                    }
                    catch (Exception e) when (interruption.Ended(e))
                    {
                        log.Line("Stopped. What this demo created so far stays as it is; the next demo starts afresh "
                            + "beside it.");
                        return CliApp.Interrupted;
                    }
                });
            }
            catch (Exception e) when (interruption.Ended(e))
            {
                log.Line("Stopped before the demo began.");
                return CliApp.Interrupted;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                await error.WriteLineAsync($"continuum demo: {e.Message}");
                return CliApp.ServerError;
            }
            finally
            {
                if (host is not null)
                {
                    await host.StopAsync(CancellationToken.None);
                    await host.DisposeAsync();
                }
            }
        });
        return command;

        async Task<int> RunAsync(ParseResult parsed, ServerConnection connection, DemoLog log, DirectoryInfo source,
            DirectoryInfo directory, string server, CancellationToken ct)
        {
            var prefix = await DemoRunner.NextPrefixAsync(connection.Invoker, log, ct);
            var plan = new DemoPlan(prefix, parsed.GetValue(scenario)!, parsed.GetValue(strategy)!,
                parsed.GetValue(quick));
            log.Line($"Demo {prefix}: Fashion-MNIST in {FashionArrivals.Count} {plan.Scenario} arrivals, "
                + $"{string.Join(" beside ", plan.Strategies)}{(plan.Quick ? " (quick)" : "")}.");
            var arrivals = FashionArrivals.Load(source, plan.Scenario, plan.Fraction);
            var outcome = await new DemoRunner(connection.Invoker, plan, log).RunAsync(arrivals, ct);
            var report = await DemoReport.BuildAsync(connection.Invoker, plan, outcome, arrivals, server,
                log.Elapsed, ct);

            var folder = Directory.CreateDirectory(Path.Combine(directory.FullName, "demo", prefix));
            const string picture = "accuracy.png";
            DemoCharts.SavePng(report, Path.Combine(folder.FullName, picture));
            var markdown = Path.Combine(folder.FullName, "report.md");
            await File.WriteAllTextAsync(markdown, report.ToMarkdown(picture), ct);
            report = report with { ReportPath = markdown };
            log.Line($"Report written to {markdown}");

            if (Output.IsJson(parsed))
            {
                await parsed.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(report, ReportJson));
            }
            else
            {
                Write(Output.Console(parsed), report);
            }

            return report.Runs.All(r => r.Failures.Count == 0) ? CliApp.Ok : CliApp.ServerError;
        }
    }

    private static async Task<WebApplication> StartEmbeddedAsync(DirectoryInfo directory, CancellationToken ct)
    {
        // As `serve` does: embedded means embedded, whatever the environment says. A free loopback port, since
        // nothing but this process calls it; warnings only, so the story stays readable.
        var host = EmbeddedHost.Build(
        [
            $"--Continuum:DataDir={directory.FullName}",
            "--urls=http://127.0.0.1:0",
            "--Continuum:Database:Provider=Sqlite",
            "--Continuum:Bus:Transport=InMemory",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            // A job cut short by Ctrl-C faults as the suite stops under it; the demo has said it stopped.
            "--Logging:LogLevel:MassTransit.ReceiveTransport=Critical",
        ], logToStandardError: true, b => b.Services.AddSingleton<IHostLifetime, CallerStopsLifetime>());
        await host.StartAsync(ct);
        return host;
    }

    /// <summary>A host lifetime that leaves signals alone: the demo decides when its suite stops.</summary>
    private sealed class CallerStopsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private static void Write(IAnsiConsole console, DemoReport report)
    {
        console.WriteLine($"Continuum demo {report.Prefix}: Fashion-MNIST, {report.Tasks.Count} {report.Scenario} "
            + $"arrivals, {report.DurationSeconds:0} s");
        var summary = new Table().AddColumns("STRATEGY", "AVERAGE ACCURACY", "FORGETTING", "BACKWARD TRANSFER",
            "CHAMPION");
        foreach (var run in report.Runs)
        {
            summary.AddRow(run.Strategy, F(run.AverageAccuracy), F(run.Forgetting), F(run.BackwardTransfer),
                run.Champion.Length > 0 ? Markup.Escape(run.Champion) : "none");
        }

        console.Write(summary);
        foreach (var run in report.Runs)
        {
            console.WriteLine();
            console.WriteLine($"{run.Strategy}: test accuracy on each arrival (columns) after each arrival (rows)");
            var matrix = new Table().AddColumn("AFTER");
            foreach (var (title, j) in report.Tasks.Select((t, j) => (t, j)))
            {
                matrix.AddColumn(new TableColumn(Markup.Escape($"{j + 1}. {title}")).RightAligned());
            }

            for (var i = 0; i < run.AccuracyMatrix.Count; i++)
            {
                var row = run.AccuracyMatrix[i];
                matrix.AddRow([$"arrival {i + 1}", .. report.Tasks.Select((_, j) => j < row.Count ? F(row[j]) : "")]);
            }

            console.Write(matrix);
            var versions = new Table().AddColumns("VERSION", "ALIASES", "PARENT", "TRAINED ON", "AVG ACC", "GATE");
            foreach (var v in run.Versions)
            {
                versions.AddRow(Markup.Escape(v.Name), Markup.Escape(string.Join(",", v.Aliases)),
                    Markup.Escape(v.ParentModelVersion), Markup.Escape(string.Join(",", v.TrainingDatasetVersions)),
                    F(v.AverageAccuracy), Markup.Escape(DemoReport.Gate(v)));
            }

            console.Write(versions);
            foreach (var failure in run.Failures)
            {
                console.WriteLine($"Failed: {failure}");
            }
        }

        console.WriteLine();
        console.WriteLine($"Report with pictures: {report.ReportPath}");
    }

    private static string F(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
}
