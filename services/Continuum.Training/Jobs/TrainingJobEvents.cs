using Continuum.Events;
using Continuum.Training.Worker;
using Google.Rpc;
using MassTransit;

namespace Continuum.Training.Jobs;

/// <summary>The TrainingJobFailed event of a job that ended with <paramref name="error"/>, cancellation included.</summary>
public static class TrainingJobEvents
{
    public static Task PublishFailedAsync(IPublishEndpoint publish, JobRow row, Status error)
    {
        var name = TrainingJobNames.Job(row.Id);
        return publish.Publish(new TrainingJobFailed
        {
            // Derived from the job, so a repeat (another worker, or a worker and the API) is dropped downstream.
            EventId = EventIds.For(name, "failed"),
            OccurredAt = DateTimeOffset.UtcNow,
            TrainingJob = name,
            ErrorCode = error.Code,
            ErrorMessage = error.Message,
            ErrorReason = error.Details.Select(d => d.TryUnpack<ErrorInfo>(out var info) ? info.Reason : null)
                .FirstOrDefault(r => r is not null) ?? "",
            Policy = row.Policy,
            Trial = row.Trial,
        });
    }
}
