using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.Jobs;
using Continuum.Training.Policies;
using Continuum.Training.V1;
using Continuum.Training.Worker;
using Grpc.Core;
using MassTransit;

namespace Continuum.Training;

/// <summary>
/// The training service's gRPC endpoint: jobs are validated here and queued on the bus; workers (this
/// process or others) run them; policies (TrainingGrpcService.Policies.cs) start jobs on new data. Each method
/// validates, acts, and maps.
/// </summary>
public sealed partial class TrainingGrpcService(
    TrainingJobRepository jobs, JobSubmission submission, PolicyRepository policies, PolicyDefinitions definitions,
    IPublishEndpoint publish)
    : TrainingService.TrainingServiceBase
{
    public const string Domain = "continuum.training.v1.TrainingService";
    private const int MaxRequestIdLength = 200;

    public override async Task<CreateTrainingJobResponse> CreateTrainingJob(
        CreateTrainingJobRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var job = request.TrainingJob ?? throw RpcErrors.InvalidArgument(("training_job", "is required."));
        ValidateRequestId(request.RequestId);

        var row = await submission.SubmitAsync(job, request.RequestId, request.ValidateOnly, null, publish, ct);

        var created = JobMapper.ToProto(row);
        if (request.ValidateOnly)
        {
            created.Name = "";
        }

        return new CreateTrainingJobResponse { TrainingJob = created };
    }

    public override async Task<GetTrainingJobResponse> GetTrainingJob(
        GetTrainingJobRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var row = await RequireJobAsync(request.Name, ct);
        var history = await jobs.ListMetricsAsync(row.Id, 0, ct);
        return new GetTrainingJobResponse
        {
            TrainingJob = JobMapper.ToProto(row, history.Select(p => JobMapper.ToMetric(p.PointJson))),
        };
    }

    public override async Task<ListTrainingJobsResponse> ListTrainingJobs(
        ListTrainingJobsRequest request, ServerCallContext context)
    {
        var size = Paging.Size(request.PageSize);
        var before = ParsePageToken(Paging.After(request.PageToken));
        if (!Enum.IsDefined(request.State))
        {
            RpcErrors.ThrowInvalidArgument("state", $"{(int)request.State} is no job state.");
        }

        string? state = request.State == TrainingJobState.Unspecified
            ? null
            : request.State.ToString().ToUpperInvariant();
        var policy = request.Policy.Length > 0 ? request.Policy : null;

        var rows = await jobs.ListAsync(before, state, policy, size + 1, context.CancellationToken);
        var response = new ListTrainingJobsResponse
        {
            TrainingJobs = { rows.Take(size).Select(r => JobMapper.ToProto(r)) },
        };
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token($"{rows[size - 1].CreateTime}|{rows[size - 1].Id}");
        }

        return response;
    }

    public override async Task<CancelTrainingJobResponse> CancelTrainingJob(
        CancelTrainingJobRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var row = await RequireJobAsync(request.Name, ct);
        if (row.State is JobStates.Succeeded or JobStates.Failed)
        {
            RpcErrors.ThrowFailedPrecondition(Domain, "JOB_ALREADY_FINISHED",
                $"{request.Name} already {row.State.ToLowerInvariant()}; only queued or running jobs can be cancelled.");
        }

        if (row.State != JobStates.Cancelled)
        {
            row = await jobs.RequestCancelAsync(row.Id, JobErrors.CancelledJson(), JobMapper.Now(), ct) ?? row;
            if (row.State == JobStates.Running
                && await jobs.CancelAbandonedAsync(row.Id, JobErrors.CancelledJson(), JobMapper.Now(), ct))
            {
                // Its worker's lease ran out (the process died), so no worker will see the flag: it ends here.
                row = await jobs.GetAsync(row.Id, ct) ?? row;
            }

            if (row.State == JobStates.Running)
            {
                // The flag alone is seen at the worker's next lease renewal; the message stops it at its next batch.
                await publish.Publish(new TrainingJobCancelRequested(row.Id), ct);
            }
            else if (row.State == JobStates.Cancelled)
            {
                // Ended here rather than by a worker, which would have told the policies and subscribers.
                await TrainingJobEvents.PublishFailedAsync(publish, row, JobErrors.Cancelled());
            }
        }

        return new CancelTrainingJobResponse { TrainingJob = JobMapper.ToProto(row) };
    }

    private async Task<JobRow> RequireJobAsync(string name, CancellationToken ct)
    {
        var id = TrainingJobNames.Parse(name, "name");
        var row = await jobs.GetAsync(id, ct);
        if (row is null)
        {
            RpcErrors.ThrowNotFound("training job", TrainingJobNames.Job(id));
        }

        return row;
    }

    private static void ValidateRequestId(string requestId)
    {
        if (requestId.Length > MaxRequestIdLength || requestId.Any(char.IsControl))
        {
            RpcErrors.ThrowInvalidArgument("request_id",
                $"is at most {MaxRequestIdLength} characters without control characters.");
        }
    }

    private static (string Time, string Id)? ParsePageToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        var bar = token.LastIndexOf('|');
        return bar > 0
            ? (token[..bar], token[(bar + 1)..])
            : throw RpcErrors.InvalidArgument(("page_token", "is not a token returned by this call."));
    }
}
