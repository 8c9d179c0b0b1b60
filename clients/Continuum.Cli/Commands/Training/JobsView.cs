using System.Globalization;
using Continuum.Cli.Commands.Models;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Spectre.Console;

namespace Continuum.Cli.Commands.Training;

/// <summary>How training jobs read in tables: the same words in <c>train</c>, <c>jobs</c> and the summaries.</summary>
public static class JobsView
{
    public static string State(TrainingJobState state) => ModelsView.Enum(state, "TRAINING_JOB_STATE_");

    /// <summary>The id people type: the job name without its <c>trainingJobs/</c> collection.</summary>
    public static string Id(string name) => ModelsView.Last(name);

    /// <summary>Accuracy of a finished job: its one evaluation, or the mean over several; "-" before the end.</summary>
    public static string Accuracy(TrainingJob job) =>
        job.Metrics is { Evaluations.Count: > 0 } m ? ModelsView.Ratio(m.AverageAccuracy) : "-";

    /// <summary>The error of a FAILED or CANCELLED job as the CLI prints every error: <c>Code: message</c>.</summary>
    public static string Error(Google.Rpc.Status? error) => error is null
        ? $"{StatusCode.Unknown}: the job ended without saying why."
        : $"{(StatusCode)error.Code}: {error.Message}";

    /// <summary>Name and state first, then what was asked for and, once known, what came of it.</summary>
    public static Table Summary(TrainingJob job, bool detailed)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("job", Markup.Escape(job.Name));
        table.AddRow("state", $"[bold]{State(job.State)}[/]");
        if (job.ModelVersion.Length > 0)
        {
            table.AddRow("model version", Markup.Escape(job.ModelVersion));
        }

        if (job.Metrics is { Evaluations.Count: > 0 } metrics)
        {
            table.AddRow("accuracy", Accuracy(job)
                + (metrics.Evaluations.Count > 1 ? $" (mean), forgetting {ModelsView.Ratio(metrics.Forgetting)}" : ""));
        }

        if (job.Error is not null)
        {
            table.AddRow("error", Markup.Escape(Error(job.Error)));
        }

        var spec = job.Spec ?? new TrainingSpec();
        table.AddRow("training data", Markup.Escape(string.Join(", ", spec.TrainingDatasetVersions)));
        table.AddRow("architecture", Markup.Escape(ModelsView.Architecture(spec.Architecture)));
        if (!detailed)
        {
            return table;
        }

        table.AddRow("evaluated on", Markup.Escape(string.Join(", ", spec.EvaluationDatasetVersions)));
        table.AddRow("optimizer", Markup.Escape(Optimizer(spec)));
        table.AddRow("strategy", spec.Strategy is { } s ? s.KindCase.ToString().ToLowerInvariant() : "naive");
        if (spec.BaseModelVersion.Length > 0)
        {
            table.AddRow("from", Markup.Escape(spec.BaseModelVersion));
        }

        table.AddRow("progress", Progress(job.Progress));
        table.AddRow("created", ModelsView.Time(job.CreateTime));
        table.AddRow("ran", Ran(job.StartTime, job.EndTime));
        if (job.Worker.Length > 0)
        {
            table.AddRow("worker", Markup.Escape($"{job.Worker} (attempt {job.AttemptCount})"));
        }

        return table;
    }

    /// <summary>One row per evaluation split of the final evaluation.</summary>
    public static Table Evaluations(ModelMetrics metrics)
    {
        var table = new Table().AddColumns("EVALUATED ON", "SPLIT", "ACCURACY", "LOSS", "EXAMPLES");
        foreach (var e in metrics.Evaluations)
        {
            table.AddRow(Markup.Escape(e.DatasetVersion), ModelsView.Enum(e.Split, "SPLIT_"),
                ModelsView.Ratio(e.Accuracy), ModelsView.Ratio(e.Loss), ModelsView.Number(e.ExampleCount));
        }

        return table;
    }

    /// <summary>
    /// The epoch points of a job's history, one row each; step points are left to <c>--output json</c>, since
    /// a long job keeps up to a thousand of them.
    /// </summary>
    public static Table Epochs(IEnumerable<MetricPoint> history)
    {
        var table = new Table().AddColumns("EPOCH", "STEP", "LOSS", "LEARNING RATE", "SAMPLES/S", "ACCURACY");
        foreach (var p in history.Where(p => p.Scope == MetricScope.Epoch))
        {
            table.AddRow(ModelsView.Number(p.Epoch), ModelsView.Number(p.Step), ModelsView.Ratio(p.Loss),
                p.LearningRate.ToString("G4", CultureInfo.InvariantCulture),
                p.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                p.Evaluations.Count == 0
                    ? "-"
                    : string.Join(" ", p.Evaluations.Select(e => ModelsView.Ratio(e.Accuracy))));
        }

        return table;
    }

    public static string Progress(TrainingProgress? p) => p is null || p.TotalSteps == 0
        ? "-"
        : $"epoch {p.Epoch}/{p.TotalEpochs}, step {p.Step}/{p.TotalSteps}";

    /// <summary>Time left as people read it: 42s, 3m05s, 1h02m.</summary>
    public static string Eta(Duration? eta)
    {
        if (eta is null)
        {
            return "-";
        }

        var t = eta.ToTimeSpan();
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m"
            : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s"
            : $"{t.Seconds}s";
    }

    private static string Optimizer(TrainingSpec spec)
    {
        var o = spec.Optimizer ?? new Optimizer();
        var text = $"{ModelsView.Enum(o.Kind, "OPTIMIZER_KIND_").ToLowerInvariant()} lr "
            + o.LearningRate.ToString("G4", CultureInfo.InvariantCulture)
            + $", batch {spec.BatchSize}, {spec.Epochs} epoch(s), seed {spec.Seed}";
        if (o.Momentum > 0)
        {
            text += ", momentum " + o.Momentum.ToString("G4", CultureInfo.InvariantCulture);
        }

        return o.WeightDecay > 0 ? text + ", weight decay " + o.WeightDecay.ToString("G4", CultureInfo.InvariantCulture)
            : text;
    }

    private static string Ran(Timestamp? start, Timestamp? end)
    {
        if (start is null)
        {
            return "not started";
        }

        var from = ModelsView.Time(start);
        return end is null
            ? $"since {from}"
            : $"{from}, {(end.ToDateTimeOffset() - start.ToDateTimeOffset()).TotalSeconds.ToString("F1",
                CultureInfo.InvariantCulture)} s";
    }
}
