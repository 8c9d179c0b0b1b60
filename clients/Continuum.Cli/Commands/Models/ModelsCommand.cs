using System.CommandLine;
using Continuum.Registry.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Models;

/// <summary><c>continuum models ...</c>: registered models, their versions, aliases and promotion gates.</summary>
public static class ModelsCommand
{
    public static Command Create() => new("models",
        "Registered models: versions, aliases, lineage, downloads, promotion gates and a change stream.")
    {
        ListCommand(), VersionsCommand(), ShowCommand(), LineageCommand(), AliasCommand.Create(),
        DownloadCommand.Create(), GateCommand.Create(), GateCommand.EvaluateCommand(), GateCommand.PromoteCommand(),
        WatchCommand.Create(),
    };

    public static RegistryService.RegistryServiceClient Client(ServerConnection connection) => new(connection.Invoker);

    private static Command ListCommand()
    {
        var command = new Command("list", "List every registered model.");
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var all = new ListRegisteredModelsResponse();
            var request = new ListRegisteredModelsRequest { PageSize = 1000 };
            do
            {
                var page = await Client(connection).ListRegisteredModelsAsync(request, cancellationToken: ct);
                all.RegisteredModels.AddRange(page.RegisteredModels);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, all);
                return CliApp.Ok;
            }

            var table = new Table().AddColumns("NAME", "VERSIONS", "LATEST", "ALIASES", "UPDATED", "DESCRIPTION");
            foreach (var m in all.RegisteredModels)
            {
                table.AddRow(Markup.Escape(m.Name), ModelsView.Number(m.VersionCount),
                    m.LatestVersion.Length > 0 ? ModelsView.Last(m.LatestVersion) : "-",
                    Markup.Escape(ModelsView.Aliases(m.Aliases)), ModelsView.Time(m.UpdateTime),
                    Markup.Escape(m.Description));
            }

            Output.Console(parsed).Write(table);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command VersionsCommand()
    {
        var model = ModelReferences.ModelArgument();
        var command = new Command("versions", "List the versions of a model.") { model };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var all = new ListModelVersionsResponse();
            var request = new ListModelVersionsRequest
            {
                Parent = ModelReferences.ModelName(parsed.GetValue(model)!), PageSize = 1000,
            };
            do
            {
                var page = await Client(connection).ListModelVersionsAsync(request, cancellationToken: ct);
                all.ModelVersions.AddRange(page.ModelVersions);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, all);
                return CliApp.Ok;
            }

            Output.Console(parsed).Write(ModelsView.Versions(all.ModelVersions));
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var reference = ModelReferences.VersionArgument("A version number, latest or an alias.");
        var command = new Command("show", "Show one version: artifact, architecture, metrics, lineage.")
        {
            reference,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var version = await ModelReferences.GetVersionAsync(Client(connection),
                ModelReferences.Parse(parsed.GetValue(reference)!, out _)!, ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, version);
                return CliApp.Ok;
            }

            ShowView.Write(Output.Console(parsed), version);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command LineageCommand()
    {
        var reference = ModelReferences.VersionArgument("A version number, latest or an alias.");
        var depth = new Option<int>("--max-depth") { Description = "How far to follow links each way; 0: no limit." };
        depth.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && int.TryParse(t.Value, out var d) && d < 0)
            {
                r.AddError("--max-depth must not be negative.");
            }
        });
        var command = new Command("lineage", "What a version came from and what was made from it.")
        {
            reference, depth,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = Client(connection);
            var name = await ModelReferences.VersionNameAsync(client,
                ModelReferences.Parse(parsed.GetValue(reference)!, out _)!, ct);
            var response = await client.GetLineageAsync(
                new GetLineageRequest { Name = name, MaxDepth = parsed.GetValue(depth) }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response);
                return CliApp.Ok;
            }

            var table = new Table().AddColumns("DIRECTION", "DEPTH", "RELATION", "UPSTREAM", "DOWNSTREAM");
            foreach (var (direction, edges) in new[] { ("ancestor", response.Ancestors), ("descendant",
                response.Descendants) })
            {
                foreach (var e in edges)
                {
                    table.AddRow(direction, ModelsView.Number(e.Depth),
                        ModelsView.Enum(e.Relation, "LINEAGE_RELATION_"), Markup.Escape(e.Upstream),
                        Markup.Escape(e.Downstream));
                }
            }

            Output.Console(parsed).Write(table);
            return CliApp.Ok;
        }));
        return command;
    }
}
