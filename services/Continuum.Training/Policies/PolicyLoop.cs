using Continuum.Contracts;
using Continuum.Data.V1;
using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.Jobs;
using Continuum.Training.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace Continuum.Training.Policies;

/// <summary>
/// The continual-learning loop, driven by events. An uploaded dataset version starts, for every policy that
/// follows its dataset, one run: a training job that fine-tunes the gate's alias (the champion) and is
/// evaluated on every arrival so far. The job's end, heard from its own event, registers the run's outcome: the
/// candidate is promoted when it passes the registry's gate. Each step is idempotent, so redelivered events
/// start nothing twice, and a failing step ends the run FAILED with the champion untouched.
/// </summary>
public sealed partial class PolicyLoop(
    PolicyRepository policies, TrainingJobRepository jobs, JobSubmission submission, PeerChannels peers,
    ILogger<PolicyLoop> logger)
{
    private const string DefaultAlias = "champion";

    private RegistryService.RegistryServiceClient Registry => new(peers.For(ServiceCatalog.Registry.Name));

    public async Task OnArrivalAsync(DatasetVersionCreated arrival, IPublishEndpoint publish, CancellationToken ct)
    {
        if (arrival.Derived)
        {
            return;
        }

        foreach (var row in await policies.FollowingAsync(arrival.Dataset, ct))
        {
            var policy = PolicyDefinitions.ToProto(row, []);
            var job = TrainingJobNames.Job(TrainingJobNames.NewId());
            var run = await policies.InsertRunAsync(new RunRow
            {
                Policy = row.Id, DatasetVersion = arrival.DatasetVersion, EventId = arrival.EventId,
                State = PolicyRunState.Running.ToString().ToUpperInvariant(), TrainingJob = job,
                RunJson = JobMapper.Json(new PolicyRun
                {
                    DatasetVersion = arrival.DatasetVersion, EventId = arrival.EventId,
                    State = PolicyRunState.Running, TrainingJob = job, StartTime = Timestamp.FromDateTime(DateTime.UtcNow),
                }),
                StartTime = JobMapper.Now(),
            }, ct);

            // A redelivered event finds its run; it only submits the job if the first delivery died before that.
            var jobId = TrainingJobNames.Parse(run.TrainingJob, "training_job");
            if (run.State != "RUNNING" || await jobs.GetAsync(jobId, ct) is not null)
            {
                continue;
            }

            try
            {
                var spec = await SpecAsync(policy, row.Id, arrival.DatasetVersion, ct);
                await submission.SubmitAsync(new TrainingJob { Spec = spec, Policy = policy.Name },
                    $"{policy.Name}/{arrival.DatasetVersion}", validateOnly: false, jobId, publish, ct);
                LogStarted(policy.Name, arrival.DatasetVersion, run.TrainingJob);
            }
            catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
            {
                await FailAsync(run, Rich(e), ct);
            }
        }
    }

    /// <summary>The job of a run ended: record the candidate, and promote it past the gate.</summary>
    public async Task OnJobEndedAsync(string jobName, CancellationToken ct)
    {
        if (await policies.RunOfJobAsync(jobName, ct) is not { State: "RUNNING" } run)
        {
            return;
        }

        var job = await jobs.GetAsync(TrainingJobNames.Parse(jobName, "training_job"), ct);
        if (job is null || !JobStates.IsFinal(job.State))
        {
            return;
        }

        if (job.State != JobStates.Succeeded)
        {
            await FailAsync(run, job.ErrorJson is null
                ? new Google.Rpc.Status { Code = (int)StatusCode.Unknown, Message = $"{jobName} ended {job.State}." }
                : JobMapper.Parse<Google.Rpc.Status>(job.ErrorJson), ct);
            return;
        }

        var outcome = JobMapper.Parse<PolicyRun>(run.RunJson);
        outcome.ModelVersion = job.ModelVersion;
        outcome.EndTime = Timestamp.FromDateTime(DateTime.UtcNow);
        var policy = await policies.GetAsync(run.Policy, ct);
        try
        {
            if (policy is not null && !PolicyDefinitions.ToProto(policy, []).RegisterOnly)
            {
                await PromoteAsync(outcome, run, ct);
            }
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Cancelled)
        {
            await FailAsync(run, Rich(e), ct);
            return;
        }

        outcome.State = outcome.Promoted ? PolicyRunState.Promoted : PolicyRunState.Registered;
        await policies.FinishRunAsync(run, outcome.State.ToString().ToUpperInvariant(), JobMapper.Json(outcome), ct);
        LogEnded(run.Policy, run.DatasetVersion, outcome.State, outcome.ModelVersion);
    }

    private async Task PromoteAsync(PolicyRun outcome, RunRow run, CancellationToken ct)
    {
        var evaluation = (await Registry.EvaluatePromotionGateAsync(
            new EvaluatePromotionGateRequest { Name = outcome.ModelVersion }, cancellationToken: ct)).Evaluation;
        outcome.GateReasons.Add(evaluation.Checks.Where(c => !c.Passed).Select(c => c.Reason));
        if (evaluation.ChampionVersion == outcome.ModelVersion)
        {
            // Promoted by an earlier delivery of this event that died before recording it.
            outcome.Promoted = true;
            outcome.GateReasons.Clear();
            return;
        }

        if (!evaluation.Passed)
        {
            return;
        }

        try
        {
            await Registry.PromoteModelVersionAsync(new PromoteModelVersionRequest
            {
                Name = outcome.ModelVersion,
                Reason = $"policies/{run.Policy}: passed the gate on {run.DatasetVersion}",
            }, cancellationToken: ct);
            outcome.Promoted = true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
        {
            // The champion moved between the evaluation and the promotion, and the candidate no longer passes.
            outcome.GateReasons.Add(e.Status.Detail);
        }
    }

    /// <summary>The template filled for one arrival: its data, every arrival so far to evaluate on, the champion.</summary>
    private async Task<TrainingSpec> SpecAsync(
        Policy policy, string policyId, string arrival, CancellationToken ct)
    {
        var spec = policy.TrainingTemplate.Clone();
        var all = await policies.RunsAsync(policyId, newestFirst: false, int.MaxValue, ct);
        var runs = all.Take(all.ToList().FindIndex(r => r.DatasetVersion == arrival) + 1).ToList();
        spec.RegisterModel = policy.Model;

        var data = new DataService.DataServiceClient(peers.For(ServiceCatalog.Data.Name));
        foreach (var earlier in runs)
        {
            var version = (await data.GetDatasetVersionAsync(
                new GetDatasetVersionRequest { Name = earlier.DatasetVersion }, cancellationToken: ct)).DatasetVersion;
            if (version.Splits.Any(s => s.Split == Split.Test && s.ExampleCount > 0))
            {
                spec.EvaluationDatasetVersions.Add(version.Name);
            }
        }

        var gate = (await Registry.GetPromotionGateAsync(
            new GetPromotionGateRequest { Name = $"{policy.Model}/promotionGate" }, cancellationToken: ct)).PromotionGate;
        var alias = $"{policy.Model}/aliases/{(gate.Alias.Length > 0 ? gate.Alias : DefaultAlias)}";
        try
        {
            spec.BaseModelVersion = (await Registry.ResolveModelAliasAsync(
                new ResolveModelAliasRequest { Name = alias }, cancellationToken: ct)).ModelVersion.Name;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // No champion yet: the first candidate trains from scratch.
        }

        // The champion learns every arrival since the one it was trained on: an arrival whose candidate the gate
        // refused, or whose run failed, is learned with the next one instead of being lost from the lineage. With
        // no champion, that is every arrival so far; with a champion set by hand, the new arrival alone.
        var champion = spec.BaseModelVersion.Length == 0
            ? -1
            : runs.FindLastIndex(r => JobMapper.Parse<PolicyRun>(r.RunJson).ModelVersion == spec.BaseModelVersion);
        var unlearned = spec.BaseModelVersion.Length == 0 ? runs
            : champion >= 0 ? runs.Skip(champion + 1)
            : runs.TakeLast(1);
        spec.TrainingDatasetVersions.Add(unlearned.Select(r => r.DatasetVersion));
        return spec;
    }

    private async Task FailAsync(RunRow run, Google.Rpc.Status error, CancellationToken ct)
    {
        var failed = JobMapper.Parse<PolicyRun>(run.RunJson);
        failed.State = PolicyRunState.Failed;
        failed.Error = error;
        failed.EndTime = Timestamp.FromDateTime(DateTime.UtcNow);
        await policies.FinishRunAsync(run, "FAILED", JobMapper.Json(failed), ct);
        LogFailed(run.Policy, run.DatasetVersion, (StatusCode)error.Code, error.Message);
    }

    /// <summary>The peer's status with its details (field violations, error info), as the run shows it.</summary>
    private static Google.Rpc.Status Rich(RpcException e) =>
        e.GetRpcStatus() ?? new Google.Rpc.Status { Code = (int)e.StatusCode, Message = e.Status.Detail };

    [LoggerMessage(EventId = 520, Level = LogLevel.Information,
        Message = "Policy {Policy} started {TrainingJob} for {DatasetVersion}")]
    private partial void LogStarted(string policy, string datasetVersion, string trainingJob);

    [LoggerMessage(EventId = 521, Level = LogLevel.Information,
        Message = "Policy {Policy} run for {DatasetVersion} ended {State} with {ModelVersion}")]
    private partial void LogEnded(string policy, string datasetVersion, PolicyRunState state, string modelVersion);

    [LoggerMessage(EventId = 522, Level = LogLevel.Information,
        Message = "Policy {Policy} run for {DatasetVersion} failed: {Code} {Reason}")]
    private partial void LogFailed(string policy, string datasetVersion, StatusCode code, string reason);
}
