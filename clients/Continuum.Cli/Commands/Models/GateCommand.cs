using System.CommandLine;
using System.Globalization;
using Continuum.Registry.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Models;

/// <summary>
/// <c>continuum models gate show|set</c>, <c>models evaluate</c> and <c>models promote</c>: what a candidate must
/// show before an alias moves to it, and the gated move itself.
/// </summary>
public static class GateCommand
{
    public static Command Create() => new("gate", "Show or replace a model's promotion gate.")
    {
        ShowCommand(), SetCommand(),
    };

    public static Command EvaluateCommand()
    {
        var reference = ModelReferences.VersionArgument("The candidate: a version number, latest or an alias.");
        var command = new Command("evaluate",
            "Check a candidate against the gate without moving anything; exits 0 whether it passes or not.")
        {
            reference,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = ModelsCommand.Client(connection);
            var name = await ModelReferences.VersionNameAsync(client,
                ModelReferences.Parse(parsed.GetValue(reference)!, out _)!, ct);
            var response = await client.EvaluatePromotionGateAsync(
                new EvaluatePromotionGateRequest { Name = name }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response, withDefaults: true);
                return CliApp.Ok;
            }

            ModelsView.WriteEvaluation(Output.Console(parsed), response.Evaluation);
            return CliApp.Ok;
        }));
        return command;
    }

    public static Command PromoteCommand()
    {
        var reference = ModelReferences.VersionArgument("The candidate: a version number, latest or an alias.");
        var reason = new Option<string?>("--reason") { Description = "Why; recorded on the alias and its event." };
        var command = new Command("promote",
            "Move the gate's alias to a candidate if it passes the gate; exits 1 with the failed checks if not.")
        {
            reference, reason,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = ModelsCommand.Client(connection);
            var name = await ModelReferences.VersionNameAsync(client,
                ModelReferences.Parse(parsed.GetValue(reference)!, out _)!, ct);
            // A refusal is FailedPrecondition naming every failed check; ServerConnection prints it and exits 1.
            var response = await client.PromoteModelVersionAsync(
                new PromoteModelVersionRequest { Name = name, Reason = parsed.GetValue(reason) ?? "" },
                cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response, withDefaults: true);
                return CliApp.Ok;
            }

            var console = Output.Console(parsed);
            ModelsView.WriteEvaluation(console, response.Evaluation);
            var previous = response.PreviousModelVersion.Length > 0 ? response.PreviousModelVersion : "(none)";
            console.MarkupLine($"{Markup.Escape(response.Alias.Name)}: {Markup.Escape(previous)} → "
                + $"[bold]{Markup.Escape(response.Alias.ModelVersion)}[/]");
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var model = ModelReferences.ModelArgument();
        var command = new Command("show", "Show a model's promotion gate (the default one when none was set).")
        {
            model,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var response = await ModelsCommand.Client(connection).GetPromotionGateAsync(
                new GetPromotionGateRequest { Name = GateName(parsed.GetValue(model)!) }, cancellationToken: ct);
            await WriteGateAsync(parsed, response.PromotionGate, response);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command SetCommand()
    {
        var model = ModelReferences.ModelArgument();
        var bounds = new GateOptions();
        var command = new Command("set",
            "Replace the gate: bounds not given are removed (min-improvement becomes 0).")
        {
            model,
        };
        bounds.AddTo(command);
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var gate = bounds.Build(parsed);
            gate.Name = GateName(parsed.GetValue(model)!);
            var response = await ModelsCommand.Client(connection).SetPromotionGateAsync(
                new SetPromotionGateRequest { PromotionGate = gate }, cancellationToken: ct);
            await WriteGateAsync(parsed, response.PromotionGate, response);
            return CliApp.Ok;
        }));
        return command;
    }

    private static string GateName(string model) => $"{ModelReferences.ModelName(model)}/promotionGate";

    private static async Task WriteGateAsync(ParseResult parsed, PromotionGate gate, Google.Protobuf.IMessage response)
    {
        if (Output.IsJson(parsed))
        {
            await Output.WriteProtoAsync(parsed, response);
            return;
        }

        var table = new Table().HideHeaders().AddColumns("", "");
        table.AddRow("name", Markup.Escape(gate.Name));
        table.AddRow("alias", Markup.Escape(gate.Alias.Length > 0 ? gate.Alias : "champion"));
        table.AddRow("min improvement", ModelsView.Ratio(gate.MinImprovement));
        table.AddRow("max forgetting", gate.HasMaxForgetting ? ModelsView.Ratio(gate.MaxForgetting) : "no bound");
        table.AddRow("max size", gate.HasMaxSizeBytes ? ModelsView.Size(gate.MaxSizeBytes) : "no bound");
        table.AddRow("max latency", gate.HasMaxLatencyMs
            ? $"{gate.MaxLatencyMs.ToString("G6", CultureInfo.InvariantCulture)} ms"
            : "no bound");
        table.AddRow("updated", gate.UpdateTime is null
            ? "never (default gate)"
            : ModelsView.Time(gate.UpdateTime) + (gate.UpdatedBy.Length > 0 ? $" by {Markup.Escape(gate.UpdatedBy)}" : ""));
        Output.Console(parsed).Write(table);
    }
}

/// <summary>
/// The bounds of a promotion gate as flags, shared by <c>models gate set</c> and <c>policies create</c> so that a
/// gate reads and is checked the same way wherever it is written.
/// </summary>
public sealed class GateOptions
{
    public Option<string?> Alias { get; } = CreateAlias();

    public Option<double?> MinImprovement { get; } = Bound("--min-improvement",
        "Least accuracy gain over the champion on the newest split; negative tolerates a loss.", null, null);

    public Option<double?> MaxForgetting { get; } =
        Bound("--max-forgetting", "Most accuracy lost on each earlier split, 0 to 1.", 0, 1);

    public Option<long?> MaxSizeBytes { get; } = CreateSize();

    public Option<double?> MaxLatencyMs { get; } =
        Bound("--max-latency-ms", "Highest metrics.latency_ms allowed.", 0, null);

    private Option[] All => [Alias, MinImprovement, MaxForgetting, MaxSizeBytes, MaxLatencyMs];

    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Whether any gate flag was given on the command line.</summary>
    public bool AnyGiven(ParseResult parsed) => All.Any(o => parsed.GetResult(o) is { Implicit: false });

    /// <summary>The gate the flags describe, unnamed: bounds not given are absent, min-improvement 0.</summary>
    public PromotionGate Build(ParseResult parsed)
    {
        var gate = new PromotionGate
        {
            Alias = parsed.GetValue(Alias) ?? "",
            MinImprovement = parsed.GetValue(MinImprovement) ?? 0,
        };
        if (parsed.GetValue(MaxForgetting) is { } f)
        {
            gate.MaxForgetting = f;
        }

        if (parsed.GetValue(MaxSizeBytes) is { } s)
        {
            gate.MaxSizeBytes = s;
        }

        if (parsed.GetValue(MaxLatencyMs) is { } l)
        {
            gate.MaxLatencyMs = l;
        }

        return gate;
    }

    private static Option<string?> CreateAlias()
    {
        var alias = new Option<string?>("--alias") { Description = "The alias the gate guards (default champion)." };
        alias.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && !ModelReferences.IsAlias(t.Value))
            {
                r.AddError($"--alias: '{t.Value}' is not a valid alias.");
            }
        });
        return alias;
    }

    private static Option<long?> CreateSize()
    {
        var size = new Option<long?>("--max-size-bytes") { Description = "Largest artifact allowed, in bytes." };
        size.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && long.TryParse(t.Value, CultureInfo.InvariantCulture, out var n) && n < 0)
            {
                r.AddError("--max-size-bytes must not be negative.");
            }
        });
        return size;
    }

    /// <summary>A finite number option, within [min, max] where those are given.</summary>
    private static Option<double?> Bound(string name, string description, double? min, double? max)
    {
        var option = new Option<double?>(name) { Description = description };
        option.Validators.Add(r =>
        {
            // A token that is no number has its own parse error already.
            if (r.Tokens is not [var t] || !double.TryParse(t.Value, CultureInfo.InvariantCulture, out var x))
            {
                return;
            }

            if (!double.IsFinite(x) || x < (min ?? double.NegativeInfinity) || x > (max ?? double.PositiveInfinity))
            {
                var range = (min, max) switch
                {
                    ({ } lo, { } hi) => $" between {lo} and {hi}",
                    ({ } lo, null) => $" of at least {lo}",
                    _ => "",
                };
                r.AddError($"{name} must be a finite number{range}; got {t.Value}.");
            }
        });
        return option;
    }
}
