using System.CommandLine;
using Continuum.Registry.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Models;

/// <summary><c>continuum models alias set|delete</c>: named pointers such as <c>champion</c>, no gate.</summary>
public static class AliasCommand
{
    public static Command Create() => new("alias", "Point an alias at a version, or remove it (no gate is checked).")
    {
        SetCommand(), DeleteCommand(),
    };

    private static Command SetCommand()
    {
        var model = ModelReferences.ModelArgument();
        var alias = ModelReferences.AliasArgument();
        var version = new Argument<string>("VERSION") { Description = "A version number, latest, or another alias." };
        version.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && ModelReferences.Parse($"m@{t.Value}", out _) is null)
            {
                r.AddError($"'{t.Value}' is not a version number, 'latest' or an alias.");
            }
        });
        var reason = new Option<string?>("--reason") { Description = "Why; recorded on the alias and its event." };
        var command = new Command("set", "Point ALIAS of MODEL at VERSION, creating the alias when needed.")
        {
            model, alias, version, reason,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var client = ModelsCommand.Client(connection);
            var id = ModelReferences.ModelName(parsed.GetValue(model)!)["models/".Length..];
            var target = ModelReferences.Parse($"{id}@{parsed.GetValue(version)}", out _)!;
            var response = await client.SetModelAliasAsync(new SetModelAliasRequest
            {
                Name = $"models/{id}/aliases/{parsed.GetValue(alias)}",
                ModelVersion = await ModelReferences.VersionNameAsync(client, target, ct),
                Reason = parsed.GetValue(reason) ?? "",
            }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response);
                return CliApp.Ok;
            }

            var previous = response.PreviousModelVersion.Length > 0 ? $" (was {response.PreviousModelVersion})" : "";
            Output.Console(parsed).MarkupLine(
                $"{Markup.Escape(response.Alias.Name)} → [bold]{Markup.Escape(response.Alias.ModelVersion)}[/]"
                + Markup.Escape(previous));
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command DeleteCommand()
    {
        var model = ModelReferences.ModelArgument();
        var alias = ModelReferences.AliasArgument();
        var command = new Command("delete", "Remove an alias; the version stays.") { model, alias };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var name = $"{ModelReferences.ModelName(parsed.GetValue(model)!)}/aliases/{parsed.GetValue(alias)}";
            await ModelsCommand.Client(connection).DeleteModelAliasAsync(
                new DeleteModelAliasRequest { Name = name }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteJsonAsync(parsed, new { });
                return CliApp.Ok;
            }

            Output.Console(parsed).MarkupLine($"Deleted {Markup.Escape(name)}.");
            return CliApp.Ok;
        }));
        return command;
    }
}
