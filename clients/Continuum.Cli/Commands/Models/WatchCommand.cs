using System.CommandLine;
using Continuum.Registry.V1;

namespace Continuum.Cli.Commands.Models;

/// <summary>
/// <c>continuum models watch [MODEL] [--from-cursor C]</c>: version creations and alias moves as they commit, one
/// line each (one JSON object a line with <c>--output json</c>) until Ctrl-C, which ends it with exit 0.
/// </summary>
public static class WatchCommand
{
    public static Command Create()
    {
        var model = new Argument<string?>("MODEL") { Description = "Only this model; every model when left out." };
        model.Arity = ArgumentArity.ZeroOrOne;
        model.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && !Continuum.ServiceDefaults.Grpc.ResourceIds.IsValid(t.Value))
            {
                r.AddError($"'{t.Value}' is not a valid model id.");
            }
        });
        var cursor = new Option<string?>("--from-cursor")
        {
            Description = "Resume after this cursor (printed with every change); 0 replays from the beginning.",
        };
        var command = new Command("watch", "Stream version creations and alias changes until Ctrl-C.")
        {
            model, cursor,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, connection =>
        {
            var request = new WatchModelVersionsRequest
            {
                Parent = parsed.GetValue(model) is { } id ? ModelReferences.ModelName(id) : "models/-",
                StartCursor = parsed.GetValue(cursor) ?? "",
            };
            var client = ModelsCommand.Client(connection);
            return Interruption.FollowAsync(parsed, ct,
                token => client.WatchModelVersions(request, cancellationToken: token), Line);
        }));
        return command;
    }

    /// <summary>One change for people: cursor first, so a line can be resumed after.</summary>
    private static string Line(WatchModelVersionsResponse change) => change.ChangeCase switch
    {
        WatchModelVersionsResponse.ChangeOneofCase.ModelVersionCreated => Created(change.Cursor,
            change.ModelVersionCreated),
        WatchModelVersionsResponse.ChangeOneofCase.ModelAliasChanged => AliasChanged(change.Cursor,
            change.ModelAliasChanged),
        _ => $"{change.Cursor}  (a change this client does not know)",
    };

    private static string Created(string cursor, Continuum.Events.V1.ModelVersionCreated e) =>
        $"{cursor}  {ModelsView.Time(e.OccurredAt)}  created {ModelsView.Created(e)}";

    private static string AliasChanged(string cursor, Continuum.Events.V1.ModelAliasChanged e) =>
        $"{cursor}  {ModelsView.Time(e.OccurredAt)}  alias {ModelsView.AliasMove(e)}";
}
