using System.CommandLine;
using Continuum.Cli.Commands.Datasets;
using Continuum.Cli.Commands.Models;
using Continuum.Data.V1;
using Continuum.Training.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Training;

/// <summary>
/// <c>continuum train</c>: turns flags into a training spec, queues the job and prints it; with <c>--watch</c>
/// follows it as <c>jobs watch</c> does.
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var o = new TrainOptions();
        var command = new Command("train",
            "Queue a training job and print it. With --watch, follow it to its end: a progress bar on a terminal "
            + "and a summary (state, accuracy per evaluation split, registered version); with --output json one "
            + "watch message a line, the last the final job. Exits 0 when the job succeeded, 1 when it failed or "
            + "was cancelled; Ctrl-C stops watching, not the job, and exits 130.");
        o.AddTo(command);
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = JobsCommand.Client(connection);
            var spec = await BuildSpecAsync(parsed, o, new DataService.DataServiceClient(connection.Invoker), ct);
            var response = await client.CreateTrainingJobAsync(new CreateTrainingJobRequest
            {
                TrainingJob = new TrainingJob { Spec = spec },
                RequestId = parsed.GetValue(o.RequestId) ?? "",
                ValidateOnly = parsed.GetValue(o.ValidateOnly),
            }, cancellationToken: ct);
            var job = response.TrainingJob;
            if (parsed.GetValue(o.Watch))
            {
                Output.Progress(parsed)?.MarkupLine($"[grey]queued {Markup.Escape(job.Name)}[/]");
                return await JobWatcher.WatchAsync(parsed, client, job.Name, ct);
            }

            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, job);
                return CliApp.Ok;
            }

            Output.Console(parsed).Write(JobsView.Summary(job, detailed: false));
            return CliApp.Ok;
        }));
        return command;
    }

    private static async Task<TrainingSpec> BuildSpecAsync(
        ParseResult parsed, TrainOptions o, DataService.DataServiceClient data, CancellationToken ct)
    {
        var spec = o.BuildTemplate(parsed);
        spec.RegisterModel = ModelReferences.ModelName(parsed.GetValue(o.Register)!);

        // References are resolved here only where the server cannot: a content hash prefix. Numbers and
        // `latest` go as written, and the job comes back with numbered versions.
        spec.TrainingDatasetVersions.AddRange(await ResolveAsync(data, parsed.GetValue(o.Dataset)!, ct));
        if (parsed.GetValue(o.Eval) is { } eval)
        {
            spec.EvaluationDatasetVersions.AddRange(await ResolveAsync(data, eval, ct));
        }

        if (parsed.GetValue(o.From) is { } from)
        {
            var reference = ModelReferences.Parse(from, out _)!;
            spec.BaseModelVersion = reference.Alias is null ? reference.VersionName : reference.AliasName;
        }

        return spec;
    }

    private static async Task<List<string>> ResolveAsync(
        DataService.DataServiceClient data, string references, CancellationToken ct)
    {
        var names = new List<string>();
        var split = references.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var reference in split)
        {
            names.Add(await DatasetReferences.ResolveVersionAsync(data, reference, ct));
        }

        return names;
    }
}
