using System.CommandLine;
using Continuum.Cli.Commands.Models;
using Continuum.Events.V1;
using Continuum.Gateway.V1;
using Grpc.Core;

namespace Continuum.Cli.Commands;

/// <summary>
/// <c>continuum events watch [--from-cursor C] [--type NAME ...]</c>: every event the services publish, from the
/// gateway's event log, one line each (one JSON object a line with <c>--output json</c>) until Ctrl-C, which ends
/// it with exit 0.
/// </summary>
public static class EventsCommand
{
    public static Command Create() => new("events", "The events the services publish, as the gateway keeps them.")
    {
        WatchCommand(),
    };

    private static Command WatchCommand()
    {
        var cursor = new Option<string?>("--from-cursor")
        {
            Description = "Resume after this cursor (printed with every event); 0 replays every event still kept.",
        };
        var types = new Option<string[]>("--type")
        {
            Description = "Only events of this type, e.g. ModelAliasChanged; repeat for more. All when left out.",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("watch", "Stream the events the services publish until Ctrl-C.") { cursor, types };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, connection =>
        {
            var request = new WatchEventsRequest
            {
                StartCursor = parsed.GetValue(cursor) ?? "",
                EventTypes = { parsed.GetValue(types) ?? [] },
            };
            var client = new GatewayService.GatewayServiceClient(connection.Invoker);
            return Interruption.FollowAsync(parsed, ct, token => client.WatchEvents(request, cancellationToken: token),
                Line);
        }));
        return command;
    }

    /// <summary>One event for people: cursor first, so a line can be resumed after; then when and what.</summary>
    private static string Line(WatchEventsResponse e) => e.EventCase switch
    {
        WatchEventsResponse.EventOneofCase.DatasetVersionCreated => DatasetVersion(e.Cursor, e.DatasetVersionCreated),
        WatchEventsResponse.EventOneofCase.TrainingJobCompleted => JobCompleted(e.Cursor, e.TrainingJobCompleted),
        WatchEventsResponse.EventOneofCase.TrainingJobFailed => JobFailed(e.Cursor, e.TrainingJobFailed),
        WatchEventsResponse.EventOneofCase.StudyCompleted => Study(e.Cursor, e.StudyCompleted),
        WatchEventsResponse.EventOneofCase.CompressionJobCompleted => Compression(e.Cursor,
            e.CompressionJobCompleted),
        WatchEventsResponse.EventOneofCase.ModelVersionCreated => ModelVersion(e.Cursor, e.ModelVersionCreated),
        WatchEventsResponse.EventOneofCase.ModelAliasChanged => Alias(e.Cursor, e.ModelAliasChanged),
        _ => $"{e.Cursor}  {ModelsView.Time(e.ReceiveTime)}  (an event this client does not know)",
    };

    private static string Head(string cursor, Google.Protobuf.WellKnownTypes.Timestamp? time, string type) =>
        $"{cursor}  {ModelsView.Time(time)}  {type}";

    private static string DatasetVersion(string cursor, DatasetVersionCreated e) =>
        $"{Head(cursor, e.OccurredAt, nameof(DatasetVersionCreated))}  {e.DatasetVersion}"
        + $"{(e.Derived ? " (derived)" : "")}  {ModelsView.Number(e.TrainExampleCount)} train, "
        + $"{ModelsView.Number(e.TestExampleCount)} test  sha256 {ModelsView.ShaPrefix(e.ContentSha256)}"
        + (e.Comparison is { Scenario.Length: > 0 } c ? $"  {c.Scenario}" : "");

    private static string JobCompleted(string cursor, TrainingJobCompleted e) =>
        $"{Head(cursor, e.OccurredAt, nameof(TrainingJobCompleted))}  {e.TrainingJob}  {e.Strategy}"
        + $"  accuracy {ModelsView.Ratio(e.AverageAccuracy)}  forgetting {ModelsView.Ratio(e.Forgetting)}"
        + (e.ModelVersion.Length > 0 ? $"  registered {e.ModelVersion}" : "")
        + (e.Policy.Length > 0 ? $"  for {e.Policy}" : "");

    private static string JobFailed(string cursor, TrainingJobFailed e) =>
        $"{Head(cursor, e.OccurredAt, nameof(TrainingJobFailed))}  {e.TrainingJob}  "
        + $"{(StatusCode)e.ErrorCode}: {e.ErrorMessage}"
        + (e.ErrorReason.Length > 0 ? $" ({e.ErrorReason})" : "")
        + (e.Policy.Length > 0 ? $"  for {e.Policy}" : "");

    private static string Study(string cursor, StudyCompleted e) =>
        $"{Head(cursor, e.OccurredAt, nameof(StudyCompleted))}  {e.Study}  "
        + $"{e.State.Replace("STUDY_STATE_", "", StringComparison.Ordinal)}  {e.CompletedTrialCount} trials"
        + (e.BestTrial.Length > 0 ? $"  best {e.BestTrial} {ModelsView.Ratio(e.BestObjectiveValue)}" : "")
        + (e.ModelVersion.Length > 0 ? $"  registered {e.ModelVersion}" : "");

    private static string Compression(string cursor, CompressionJobCompleted e) =>
        $"{Head(cursor, e.OccurredAt, nameof(CompressionJobCompleted))}  {e.CompressionJob}  {e.Method}  "
        + $"{e.SourceModelVersion} → {e.ModelVersion}  "
        + $"{ModelsView.Size(e.SizeBytesBefore)} → {ModelsView.Size(e.SizeBytesAfter)}  "
        + $"accuracy {ModelsView.Ratio(e.AverageAccuracyBefore)} → {ModelsView.Ratio(e.AverageAccuracyAfter)}";

    private static string ModelVersion(string cursor, ModelVersionCreated e) =>
        $"{Head(cursor, e.OccurredAt, nameof(ModelVersionCreated))}  {ModelsView.Created(e)}";

    private static string Alias(string cursor, ModelAliasChanged e) =>
        $"{Head(cursor, e.OccurredAt, nameof(ModelAliasChanged))}  {ModelsView.AliasMove(e)}";
}
