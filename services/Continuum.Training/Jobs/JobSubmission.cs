using Continuum.Training.V1;
using Continuum.Training.Worker;
using MassTransit;

namespace Continuum.Training.Jobs;

/// <summary>
/// Validates a job's spec, stores it QUEUED and hands it to the workers: what CreateTrainingJob does, and what a
/// policy does for each arrival.
/// </summary>
public sealed class JobSubmission(TrainingJobRepository jobs, SpecValidator validator)
{
    /// <param name="id">The job's id; a new one when null.</param>
    /// <returns>The job, or the earlier one with the same request id. Not stored with validate-only.</returns>
    public async Task<JobRow> SubmitAsync(
        TrainingJob job, string requestId, bool validateOnly, string? id, IPublishEndpoint publish,
        CancellationToken ct)
    {
        if (requestId.Length > 0 && await jobs.FindByRequestAsync(requestId, ct) is { } earlier)
        {
            return earlier;
        }

        var resolved = await validator.ResolveAsync(job.Spec, "training_job.spec", ct);
        var row = new JobRow
        {
            Id = id ?? TrainingJobNames.NewId(),
            SpecJson = JobMapper.Json(resolved.Spec),
            RequestId = requestId.Length > 0 ? requestId : null,
            Policy = job.Policy,
            Trial = job.Trial,
            State = JobStates.Queued,
            ProgressJson = JobMapper.Json(new TrainingProgress { TotalEpochs = resolved.Spec.Epochs }),
            CreateTime = JobMapper.Now(),
        };
        if (validateOnly)
        {
            return row;
        }

        if (!await jobs.InsertAsync(row, ct))
        {
            // A concurrent request with the same id won.
            return (await jobs.FindByRequestAsync(requestId, ct))!;
        }

        await publish.Publish(new RunTrainingJob(row.Id), ct);
        return row;
    }
}
