using System.Globalization;
using Continuum.Cli.Commands.Models;
using Continuum.Cli.Commands.Training;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Policies;

/// <summary>How policies and their runs read in tables: alike in <c>create</c>, <c>list</c> and <c>show</c>.</summary>
public static class PoliciesView
{
    public static string RunState(PolicyRunState state) => ModelsView.Enum(state, "POLICY_RUN_STATE_");

    /// <summary>The state of the newest run (runs come newest first), or "-" before the first arrival.</summary>
    public static string LastRun(Policy policy) =>
        policy.RecentRuns.Count > 0 ? RunState(policy.RecentRuns[0].State) : "-";

    /// <summary>The strategy's name alone: replay, ewc...; an unset strategy trains as naive does.</summary>
    public static string StrategyKind(TrainingSpec? template) => template?.Strategy is { } s
        ? s.KindCase.ToString().ToLowerInvariant()
        : "naive";

    /// <summary>The strategy with the settings it was given: <c>replay, buffer 2000</c>.</summary>
    public static string Strategy(TrainingSpec? template)
    {
        var kind = StrategyKind(template);
        var settings = new List<string>();
        switch (template?.Strategy)
        {
            case { Replay: { } r }:
                settings.Add($"buffer {r.BufferSize}");
                if (r.Selection != ReplaySelection.Unspecified)
                {
                    settings.Add(ModelsView.Enum(r.Selection, "REPLAY_SELECTION_").ToLowerInvariant());
                }

                if (r.BatchFraction > 0)
                {
                    settings.Add($"batch fraction {Number(r.BatchFraction)}");
                }

                break;
            case { Ewc: { } e }:
                settings.Add($"lambda {Number(e.PenaltyStrength)}");
                if (e.Online)
                {
                    settings.Add("online");
                }

                break;
            case { Lwf: { } l }:
                if (l.Temperature > 0)
                {
                    settings.Add($"temperature {Number(l.Temperature)}");
                }

                break;
        }

        if (template?.AllowUnsafeScenario == true)
        {
            settings.Add("unsafe scenarios allowed");
        }

        return settings.Count == 0 ? kind : $"{kind}, {string.Join(", ", settings)}";
    }

    /// <summary>A gate's bounds on one line: alias, least improvement and the bounds that are set.</summary>
    public static string Gate(PromotionGate gate)
    {
        var parts = new List<string>
        {
            $"alias {(gate.Alias.Length > 0 ? gate.Alias : "champion")}",
            $"min improvement {ModelsView.Ratio(gate.MinImprovement)}",
        };
        if (gate.HasMaxForgetting)
        {
            parts.Add($"max forgetting {ModelsView.Ratio(gate.MaxForgetting)}");
        }

        if (gate.HasMaxSizeBytes)
        {
            parts.Add($"max size {ModelsView.Size(gate.MaxSizeBytes)}");
        }

        if (gate.HasMaxLatencyMs)
        {
            parts.Add($"max latency {Number(gate.MaxLatencyMs)} ms");
        }

        return string.Join(", ", parts);
    }

    /// <summary>One field a row: what the policy follows, what it trains and how.</summary>
    public static Table Summary(Policy policy)
    {
        var table = new Table().HideHeaders().AddColumns("", "");
        void Row(string key, string value)
        {
            if (value.Length > 0)
            {
                table.AddRow(key, Markup.Escape(value));
            }
        }

        var template = policy.TrainingTemplate ?? new TrainingSpec();
        Row("policy", policy.Name);
        Row("description", policy.Description);
        Row("dataset", policy.Dataset);
        Row("model", policy.Model);
        Row("architecture", ModelsView.Architecture(template.Architecture));
        Row("training", Training(template));
        Row("strategy", Strategy(template));
        Row("promotion", policy.RegisterOnly ? "register only, never promoted" : "by the registry's gate");
        Row("created", $"{ModelsView.Time(policy.CreateTime)}"
            + (policy.CreatedBy.Length > 0 ? $" by {policy.CreatedBy}" : ""));
        return table;
    }

    /// <summary>One row a run, newest first, with why it was not promoted where it was not.</summary>
    public static Table Runs(IEnumerable<PolicyRun> runs)
    {
        var table = new Table().AddColumns("DATASET VERSION", "STATE", "TRAINING JOB", "MODEL VERSION", "PROMOTED",
            "REASON");
        foreach (var r in runs)
        {
            var reason = r.Error is not null ? JobsView.Error(r.Error) : string.Join("; ", r.GateReasons);
            table.AddRow(Markup.Escape(r.DatasetVersion), RunState(r.State),
                r.TrainingJob.Length > 0 ? Markup.Escape(JobsView.Id(r.TrainingJob)) : "-",
                r.ModelVersion.Length > 0 ? Markup.Escape(r.ModelVersion) : "-",
                r.Promoted ? "yes" : "no", reason.Length > 0 ? Markup.Escape(reason) : "-");
        }

        return table;
    }

    private static string Training(TrainingSpec template)
    {
        var o = template.Optimizer ?? new Optimizer();
        var schedule = template.LearningRateSchedule?.Kind ?? ScheduleKind.Unspecified;
        var device = ModelsView.Enum(template.Device, "DEVICE_").ToLowerInvariant();
        return $"{ModelsView.Enum(o.Kind, "OPTIMIZER_KIND_").ToLowerInvariant()} lr {Number(o.LearningRate)}, "
            + $"{ModelsView.Enum(schedule, "SCHEDULE_KIND_").ToLowerInvariant()} schedule, batch {template.BatchSize}, "
            + $"{template.Epochs} epoch(s), seed {template.Seed}, device {device}";
    }

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
