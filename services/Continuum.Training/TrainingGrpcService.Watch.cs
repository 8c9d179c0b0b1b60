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
            // The row first, then the points: every point a worker recorded before the job reached this state is
            // committed by now, so when the state is final the points read after it are the last ones, and the
            // stream always ends on the job in its final state.
            row = await jobs.GetAsync(row.Id, ct) ?? row;
            var progress = JobMapper.ToProto(row).Progress;
            foreach (var (seq, json) in await jobs.ListMetricsAsync(row.Id, seen, ct))
            {
                seen = seq;
                await responseStream.WriteAsync(
                    new WatchTrainingJobResponse { Metric = JobMapper.ToMetric(json), Progress = progress }, ct);
            }

            if (row.State != state)
            {
                state = row.State;
                job = JobMapper.ToProto(row);
                await responseStream.WriteAsync(
                    new WatchTrainingJobResponse { TrainingJob = job, Progress = job.Progress }, ct);
            }

            if (JobStates.IsFinal(state))
            {
                return;
            }

            await Task.Delay(WatchPoll, ct);
        }
    }
}
