using System.CommandLine;
using Continuum.Cli.Commands.Datasets;
using Continuum.Cli.Commands.Models;
using Continuum.Cli.Commands.Training;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Policies;

/// <summary>
/// <c>continuum policies create|list|show|delete</c>: how a model keeps learning from a dataset. The template
/// flags are <c>train</c>'s and the gate flags <c>models gate set</c>'s, so each is spelled and checked once.
/// </summary>
public static class PoliciesCommand
{
    public static Command Create() => new("policies",
        "Continual-learning policies: every version uploaded to a dataset trains, registers and promotes a model.")
    {
        CreateCommand(), ListCommand(), ShowCommand(), DeleteCommand(),
    };

    /// <summary>A policy argument: <c>policies/ID</c> as the server prints it, or the bare ID.</summary>
    public static Argument<string> PolicyArgument()
    {
        var argument = new Argument<string>("NAME") { Description = "The policy: its id or policies/ID." };
        argument.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && !ResourceIds.IsValid(Id("policies/", t.Value)))
            {
                r.AddError($"'{t.Value}' is not a policy id ({ResourceIds.Rule}).");
            }
        });
        return argument;
    }

    public static string PolicyName(string text) => $"policies/{Id("policies/", text)}";

    private static Command CreateCommand()
    {
        var name = PolicyArgument();
        var dataset = Named(new Option<string>("--dataset")
        {
            HelpName = "DATASET",
            Description = "The dataset to follow, e.g. fashion or datasets/fashion: every version uploaded to it "
                + "from now on starts one run (derived versions do not).",
            Required = true,
        }, "datasets/", "a dataset id");
        var model = Named(new Option<string>("--model")
        {
            HelpName = "MODEL",
            Description = "The model each run registers a version of and promotes, e.g. fashion-mlp or "
                + "models/fashion-mlp; created when missing.",
            Required = true,
        }, "models/", "a model id");
        var registerOnly = new Option<bool>("--register-only")
        {
            Description = "Register every candidate but never move the gate's alias.",
        };
        var description = new Option<string?>("--description") { Description = "Free text for people." };
        var template = TrainOptions.ForTemplate();
        var gate = new GateOptions();
        var command = new Command("create",
            "Create a policy: the dataset to follow, the model, a training template (the flags of 'continuum "
            + "train', with --architecture for the network) and the promotion gate. Any gate flag writes the gate "
            + "to the registry as 'models gate set' does, replacing the model's gate; without them it stays.")
        {
            name, dataset, model,
        };
        template.AddTemplateTo(command);
        gate.AddTo(command);
        command.Options.Add(registerOnly);
        command.Options.Add(description);
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var policy = new Policy
            {
                Description = parsed.GetValue(description) ?? "",
                Dataset = DatasetReferences.DatasetName(parsed.GetValue(dataset)!),
                Model = ModelReferences.ModelName(parsed.GetValue(model)!),
                TrainingTemplate = template.BuildTemplate(parsed),
                RegisterOnly = parsed.GetValue(registerOnly),
            };

            // Only a gate the caller asked for is sent: an absent one leaves the registry's gate as it was.
            if (gate.AnyGiven(parsed))
            {
                policy.PromotionGate = gate.Build(parsed);
            }

            var response = await JobsCommand.Client(connection).CreatePolicyAsync(new CreatePolicyRequest
            {
                PolicyId = Id("policies/", parsed.GetValue(name)!), Policy = policy,
            }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response.Policy);
                return CliApp.Ok;
            }

            // The server does not return the gate (the registry holds it), so the table shows what was sent.
            var summary = PoliciesView.Summary(response.Policy);
            summary.AddRow("promotion gate", policy.PromotionGate is { } sent
                ? Markup.Escape("set: " + PoliciesView.Gate(sent))
                : Markup.Escape($"unchanged (continuum models gate show {ModelsView.Last(response.Policy.Model)})"));
            Output.Console(parsed).Write(summary);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "List every policy with the state of its newest run.");
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var all = new ListPoliciesResponse();
            var request = new ListPoliciesRequest { PageSize = 1000 };
            do
            {
                var page = await JobsCommand.Client(connection).ListPoliciesAsync(request, cancellationToken: ct);
                all.Policies.AddRange(page.Policies);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, all);
                return CliApp.Ok;
            }

            var table = new Table().AddColumns("NAME", "DATASET", "MODEL", "STRATEGY", "LAST RUN", "CREATED");
            foreach (var p in all.Policies)
            {
                table.AddRow(Markup.Escape(p.Name), Markup.Escape(p.Dataset), Markup.Escape(p.Model),
                    PoliciesView.StrategyKind(p.TrainingTemplate), PoliciesView.LastRun(p),
                    ModelsView.Time(p.CreateTime));
            }

            Output.Console(parsed).Write(table);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var name = PolicyArgument();
        var command = new Command("show",
            "Show a policy and its newest runs (at most 20): dataset version, state, training job, model version, "
            + "whether it was promoted, and the gate's reasons or the error.")
        {
            name,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var response = await JobsCommand.Client(connection).GetPolicyAsync(
                new GetPolicyRequest { Name = PolicyName(parsed.GetValue(name)!) }, cancellationToken: ct);
            var policy = response.Policy;
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, policy);
                return CliApp.Ok;
            }

            var console = Output.Console(parsed);
            console.Write(PoliciesView.Summary(policy));
            if (policy.RecentRuns.Count == 0)
            {
                console.MarkupLine(Markup.Escape($"No runs yet: the next version uploaded to {policy.Dataset} "
                    + "starts one."));
                return CliApp.Ok;
            }

            console.Write(PoliciesView.Runs(policy.RecentRuns));
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = PolicyArgument();
        var command = new Command("delete",
            "Delete a policy: new versions of its dataset no longer start runs. Its jobs and model versions stay.")
        {
            name,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var policy = PolicyName(parsed.GetValue(name)!);
            await JobsCommand.Client(connection).DeletePolicyAsync(
                new DeletePolicyRequest { Name = policy }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteJsonAsync(parsed, new { });
                return CliApp.Ok;
            }

            Output.Console(parsed).MarkupLine($"Deleted {Markup.Escape(policy)}.");
            return CliApp.Ok;
        }));
        return command;
    }

    /// <summary>The id in <c>{collection}ID</c> or a bare ID.</summary>
    private static string Id(string collection, string text) =>
        text.StartsWith(collection, StringComparison.Ordinal) ? text[collection.Length..] : text;

    /// <summary>An option naming a resource of <paramref name="collection"/>, its id checked while parsing.</summary>
    private static Option<string> Named(Option<string> option, string collection, string what)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && !ResourceIds.IsValid(Id(collection, t.Value)))
            {
                // NAME@VERSION is what `train` takes; a policy follows every new version, so say so.
                var hint = t.Value.Contains('@') ? "; a policy follows every new version, so it takes no @VERSION" : "";
                r.AddError($"{option.Name} '{t.Value}' is not {what} ({ResourceIds.Rule}){hint}.");
            }
        });
        return option;
    }
}
