using Continuum.Training.Jobs;
using Continuum.Training.V1;
using Grpc.Core;

namespace Continuum.Training;

public sealed partial class TrainingGrpcService
{
    // Workers may run in other processes, so the stream follows the database; a few reads a second suffice
    // for a progress bar.
    private static readonly TimeSpan WatchPoll = TimeSpan.FromMilliseconds(300);

    public override async Task WatchTrainingJob(WatchTrainingJobRequest request,
        IServerStreamWriter<WatchTrainingJobResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var row = await RequireJobAsync(request.Name, ct);
        var job = JobMapper.ToProto(row);
        await responseStream.WriteAsync(
            new WatchTrainingJobResponse { TrainingJob = job, Progress = job.Progress }, ct);

        var state = row.State;
        long seen = 0;
        while (true)
        {
            foreach (var (seq, json) in await jobs.ListMetricsAsync(row.Id, seen, ct))
            {
                seen = seq;
                row = await jobs.GetAsync(row.Id, ct) ?? row;
                await responseStream.WriteAsync(new WatchTrainingJobResponse
                {
                    Metric = JobMapper.ToMetric(json),
                    Progress = JobMapper.ToProto(row).Progress,
                }, ct);
            }

            row = await jobs.GetAsync(row.Id, ct) ?? row;
            if (row.State != state)
            {
                state = row.State;
                job = JobMapper.ToProto(row);
                await responseStream.WriteAsync(
                    new WatchTrainingJobResponse { TrainingJob = job, Progress = job.Progress }, ct);
            }

            // Points recorded just before the end were read above; nothing follows a final state.
            if (JobStates.IsFinal(state) && (await jobs.ListMetricsAsync(row.Id, seen, ct)).Count == 0)
            {
                return;
            }

            await Task.Delay(WatchPoll, ct);
        }
    }
}
