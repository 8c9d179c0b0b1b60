using System.CommandLine;
using System.Globalization;
using Continuum.Training.V1;
using Google.Protobuf;
using Grpc.Core;
using Spectre.Console;

namespace Continuum.Cli.Commands.Training;

/// <summary>
/// Follows a job's watch stream to its end, for <c>train --watch</c> and <c>jobs watch</c>. Tables: a live
/// progress bar on standard error when it is a terminal, then a summary on standard output. JSON: every stream
/// message as one line, the last always the job in its final state. Exit 0 when the job SUCCEEDED, 1 when it
/// FAILED or was CANCELLED (its error on standard error), 130 when Ctrl-C stopped the watching.
/// </summary>
public static class JobWatcher
{
    public static async Task<int> WatchAsync(ParseResult parsed, TrainingService.TrainingServiceClient client,
        string name, CancellationToken ct)
    {
        // Ctrl-C and SIGTERM end the watching, not the process, so the command can say what it leaves behind.
        using var stop = new Interruption(ct);

        var json = Output.IsJson(parsed);
        TrainingJob? job;
        try
        {
            job = await FollowAsync(parsed, client, name, json, stop.Token);
        }
        catch (Exception e) when (stop.Ended(e))
        {
            await parsed.InvocationConfiguration.Error.WriteLineAsync(
                $"Stopped watching; {name} keeps running. Follow it again with: "
                + $"continuum jobs watch {JobsView.Id(name)}");
            return CliApp.Interrupted;
        }

        // The last message of a stream may be a late metric point; the final job is fetched so that the last
        // line, and the summary, always carry the state, the registered version and the metrics.
        if (job is null || !IsFinal(job.State))
        {
            job = (await client.GetTrainingJobAsync(new GetTrainingJobRequest { Name = name },
                cancellationToken: ct)).TrainingJob;
            if (json)
            {
                var final = job.Clone();
                final.MetricHistory.Clear();
                await WriteLineAsync(parsed,
                    new WatchTrainingJobResponse { TrainingJob = final, Progress = final.Progress });
            }
        }

        if (!json)
        {
            var console = Output.Console(parsed);
            console.Write(JobsView.Summary(job, detailed: false));
            if (job.Metrics is { Evaluations.Count: > 0 } metrics)
            {
                console.Write(JobsView.Evaluations(metrics));
            }
        }

        if (job.State == TrainingJobState.Succeeded)
        {
            return CliApp.Ok;
        }

        await parsed.InvocationConfiguration.Error.WriteLineAsync(JobsView.Error(job.Error));
        return CliApp.ServerError;
    }

    public static bool IsFinal(TrainingJobState state) =>
        state is TrainingJobState.Succeeded or TrainingJobState.Failed or TrainingJobState.Cancelled;

    /// <summary>Reads the stream to its end; returns the job of its last message, when that one carried it.</summary>
    private static async Task<TrainingJob?> FollowAsync(ParseResult parsed,
        TrainingService.TrainingServiceClient client, string name, bool json, CancellationToken ct)
    {
        using var call = client.WatchTrainingJob(new WatchTrainingJobRequest { Name = name }, cancellationToken: ct);
        TrainingJob? last = null;
        async Task ReadAsync(Action<WatchTrainingJobResponse>? show)
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(ct))
            {
                last = message.TrainingJob;
                show?.Invoke(message);
                if (json)
                {
                    await WriteLineAsync(parsed, message);
                }
            }
        }

        // In JSON the bar is drawn only when standard output is not the same terminal, where lines and bar
        // would overwrite each other.
        var progress = Output.Progress(parsed);
        if (progress is null || (json && !Console.IsOutputRedirected))
        {
            await ReadAsync(null);
            return last;
        }

        await progress.Progress().AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(),
                new PercentageColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(name), maxValue: 1);
                var loss = double.NaN;
                var samples = 0.0;
                await ReadAsync(message =>
                {
                    // The final evaluation point carries no training loss or throughput to show.
                    if (message.Metric is { Scope: MetricScope.Step or MetricScope.Epoch } metric)
                    {
                        loss = metric.Loss;
                        samples = metric.SamplesPerSecond;
                    }

                    var state = message.TrainingJob?.State;
                    task.Description = Markup.Escape(Line(message.Progress, loss, samples, state));
                    if (message.Progress is { TotalSteps: > 0 } p)
                    {
                        task.MaxValue = p.TotalSteps;
                        task.Value = p.Step;
                    }
                });
                task.StopTask();
            });
        return last;
    }

    /// <summary>epoch 2/5  step 120/300  loss 0.4312  1,830 samples/s  ETA 12s</summary>
    private static string Line(TrainingProgress? p, double loss, double samples, TrainingJobState? state)
    {
        if (state is TrainingJobState.Queued)
        {
            return "queued, waiting for a worker";
        }

        if (p is null || p.TotalSteps == 0)
        {
            return "starting";
        }

        var line = $"epoch {p.Epoch}/{p.TotalEpochs}  step {p.Step}/{p.TotalSteps}";
        if (!double.IsNaN(loss))
        {
            line += $"  loss {loss.ToString("F4", CultureInfo.InvariantCulture)}"
                + $"  {samples.ToString("N0", CultureInfo.InvariantCulture)} samples/s";
        }

        return line + $"  ETA {JobsView.Eta(p.Eta)}";
    }

    private static async Task WriteLineAsync(ParseResult parsed, WatchTrainingJobResponse message)
    {
        var output = parsed.InvocationConfiguration.Output;
        await output.WriteLineAsync(Output.CompactProtoJson.Format(message));
        await output.FlushAsync();
    }
}
