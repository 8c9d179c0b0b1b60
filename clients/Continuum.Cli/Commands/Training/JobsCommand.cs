using System.CommandLine;
using Continuum.Cli.Commands.Models;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.V1;
using Spectre.Console;

namespace Continuum.Cli.Commands.Training;

/// <summary><c>continuum jobs ...</c>: training jobs, listed, shown, followed and cancelled.</summary>
public static class JobsCommand
{
    private static readonly Dictionary<string, TrainingJobState> States = new()
    {
        ["queued"] = TrainingJobState.Queued, ["running"] = TrainingJobState.Running,
        ["succeeded"] = TrainingJobState.Succeeded, ["failed"] = TrainingJobState.Failed,
        ["cancelled"] = TrainingJobState.Cancelled,
    };

    public static Command Create() => new("jobs", "Training jobs: list, show, watch and cancel.")
    {
        ListCommand(), ShowCommand(), WatchCommand(), CancelCommand(),
    };

    public static TrainingService.TrainingServiceClient Client(ServerConnection connection) =>
        new(connection.Invoker);

    /// <summary>A job argument: <c>trainingJobs/ID</c> as the server prints it, or the bare ID.</summary>
    public static Argument<string> JobArgument()
    {
        var argument = new Argument<string>("ID") { Description = "The job: its id or trainingJobs/ID." };
        argument.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && !ResourceIds.IsValid(Id(t.Value)))
            {
                r.AddError($"'{t.Value}' is not a training job id ({ResourceIds.Rule}).");
            }
        });
        return argument;
    }

    public static string JobName(string text) => $"trainingJobs/{Id(text)}";

    private static string Id(string text) =>
        text.StartsWith("trainingJobs/", StringComparison.Ordinal) ? text["trainingJobs/".Length..] : text;

    private static Command ListCommand()
    {
        var state = new Option<string?>("--state") { Description = "Only jobs in this state." };
        state.AcceptOnlyFromAmong([.. States.Keys]);
        var policy = new Option<string?>("--policy") { Description = "Only jobs started by this policy." };
        var command = new Command("list", "List training jobs, newest first.") { state, policy };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var all = new ListTrainingJobsResponse();
            var request = new ListTrainingJobsRequest
            {
                PageSize = 1000,
                State = parsed.GetValue(state) is { } s ? States[s] : TrainingJobState.Unspecified,
                Policy = parsed.GetValue(policy) is { } p
                    ? (p.StartsWith("policies/", StringComparison.Ordinal) ? p : $"policies/{p}")
                    : "",
            };
            do
            {
                var page = await Client(connection).ListTrainingJobsAsync(request, cancellationToken: ct);
                all.TrainingJobs.AddRange(page.TrainingJobs);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0);

            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, all);
                return CliApp.Ok;
            }

            var table = new Table().AddColumns("ID", "STATE", "MODEL VERSION", "ACCURACY", "PROGRESS", "CREATED");
            foreach (var j in all.TrainingJobs)
            {
                table.AddRow(Markup.Escape(JobsView.Id(j.Name)), JobsView.State(j.State),
                    j.ModelVersion.Length > 0 ? Markup.Escape(j.ModelVersion) : "-", JobsView.Accuracy(j),
                    JobsView.Progress(j.Progress), ModelsView.Time(j.CreateTime));
            }

            Output.Console(parsed).Write(table);
            return CliApp.Ok;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var job = JobArgument();
        var command = new Command("show", "Show one job: its spec, progress, evaluation and epoch history.") { job };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var response = await Client(connection).GetTrainingJobAsync(
                new GetTrainingJobRequest { Name = JobName(parsed.GetValue(job)!) }, cancellationToken: ct);
            var shown = response.TrainingJob;
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, shown);
                return CliApp.Ok;
            }

            var console = Output.Console(parsed);
            console.Write(JobsView.Summary(shown, detailed: true));
            if (shown.Metrics is { Evaluations.Count: > 0 } metrics)
            {
                console.Write(JobsView.Evaluations(metrics));
            }

            if (shown.MetricHistory.Any(p => p.Scope == MetricScope.Epoch))
            {
                console.Write(JobsView.Epochs(shown.MetricHistory));
            }

            return CliApp.Ok;
        }));
        return command;
    }

    private static Command WatchCommand()
    {
        var job = JobArgument();
        var command = new Command("watch",
            "Follow a job to its end: a progress bar on a terminal, then a summary; with --output json one "
            + "message a line, the last the final job. Exit 0 when it succeeded, 1 when it failed or was "
            + "cancelled; Ctrl-C stops watching (not the job) and exits 130.")
        {
            job,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, connection =>
            JobWatcher.WatchAsync(parsed, Client(connection), JobName(parsed.GetValue(job)!), ct)));
        return command;
    }

    private static Command CancelCommand()
    {
        var job = JobArgument();
        var command = new Command("cancel",
            "Ask a job to stop; it ends CANCELLED within one batch. A finished job answers FailedPrecondition.")
        {
            job,
        };
        command.SetAction((parsed, ct) => ServerConnection.RunAsync(parsed, async connection =>
        {
            var response = await Client(connection).CancelTrainingJobAsync(
                new CancelTrainingJobRequest { Name = JobName(parsed.GetValue(job)!) }, cancellationToken: ct);
            if (Output.IsJson(parsed))
            {
                await Output.WriteProtoAsync(parsed, response.TrainingJob);
                return CliApp.Ok;
            }

            var console = Output.Console(parsed);
            console.Write(JobsView.Summary(response.TrainingJob, detailed: false));
            if (response.TrainingJob.State == TrainingJobState.Running)
            {
                console.WriteLine("Cancel requested: the job stops at its next batch and ends CANCELLED.");
            }

            return CliApp.Ok;
        }));
        return command;
    }
}
