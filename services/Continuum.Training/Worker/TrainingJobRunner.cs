using Continuum.Events;
using Continuum.Ml;
using Continuum.Ml.Training;
using Continuum.Training.Jobs;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Continuum.Training.Worker;

/// <summary>
/// Runs one job for the worker that received its message: claims it under a lease, keeps the lease alive and
/// watches for cancellation while <see cref="JobExecution"/> trains, and records how the job ended.
/// </summary>
/// <remarks>
/// A job ends here only through conditional updates that name this worker, so a worker that lost its lease (it
/// stalled, and another took the job over) can no longer end it. When the host stops mid-job the message is
/// not acknowledged: the bus hands it to another worker, which resumes from the last checkpoint.
/// </remarks>
public sealed partial class TrainingJobRunner(
    TrainingJobRepository jobs, JobExecution execution, RunningJobs running, IOptions<TrainingWorkerOptions> options,
    ILogger<TrainingJobRunner> logger)
{
    private static readonly TimeSpan ClaimRetry = TimeSpan.FromSeconds(2);

    /// <param name="waitForLease">
    /// Whether to wait while another worker holds the job: a message redelivered after a worker died arrives
    /// before that worker's lease runs out.
    /// </param>
    public async Task RunAsync(string jobId, IPublishEndpoint publish, CancellationToken stopping,
        bool waitForLease = true)
    {
        var worker = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
        var row = await ClaimAsync(jobId, worker, publish, waitForLease, stopping);
        if (row is null)
        {
            return;
        }

        // The row is read after the claim, which counted this attempt.
        LogStarted(jobId, worker, row.AttemptCount);
        using var lost = new CancellationTokenSource();
        using var cancelled = new CancellationTokenSource();
        using var listening = running.Register(jobId, cancelled);
        using var any = CancellationTokenSource.CreateLinkedTokenSource(stopping, lost.Token, cancelled.Token);
        using var leaseStop = new CancellationTokenSource();
        var lease = KeepLeaseAsync(jobId, worker, lost, cancelled, leaseStop.Token);
        try
        {
            var outcome = await execution.RunAsync(row, worker, any.Token);
            await FinishAsync(jobId, worker, JobStates.Succeeded, null, outcome, publish);
        }
        catch (Exception e) when (IsCancellation(e) && cancelled.IsCancellationRequested
            && !stopping.IsCancellationRequested)
        {
            await FinishAsync(jobId, worker, JobStates.Cancelled, JobErrors.Cancelled(), null, publish);
        }
        catch (Exception e) when (IsCancellation(e)
            && (lost.IsCancellationRequested || stopping.IsCancellationRequested))
        {
            // Another worker has the job, or this one is stopping: the bus redelivers the message.
            LogLeft(jobId, worker, lost.IsCancellationRequested ? "its lease was lost" : "the host is stopping");
            throw;
        }
        catch (NonFiniteLossException e)
        {
            await FinishAsync(jobId, worker, JobStates.Failed, JobErrors.LossNotFinite(e), null, publish);
        }
        catch (CudaNotAvailableException e)
        {
            await FinishAsync(jobId, worker, JobStates.Failed, JobErrors.CudaNotAvailable(e.Message), null, publish);
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument
            or StatusCode.FailedPrecondition)
        {
            // The data or a model went away after the job was queued: retrying cannot help.
            await FinishAsync(jobId, worker, JobStates.Failed, JobErrors.FromRpc(e), null, publish);
        }
        catch (Exception e) when (e is not RpcException and not OperationCanceledException)
        {
            LogFailed(e, jobId);
            await FinishAsync(jobId, worker, JobStates.Failed, JobErrors.Internal(e), null, publish);
        }
        finally
        {
            await leaseStop.CancelAsync();
            await lease;
        }
    }

    /// <summary>
    /// Takes the job: at once when QUEUED, or once the lease of a worker that died has run out. Null when
    /// there is nothing to run (final, cancelled, unknown).
    /// </summary>
    private async Task<JobRow?> ClaimAsync(
        string jobId, string worker, IPublishEndpoint publish, bool waitForLease, CancellationToken ct)
    {
        while (true)
        {
            var row = await jobs.GetAsync(jobId, ct);
            if (row is null || JobStates.IsFinal(row.State))
            {
                return null;
            }

            var now = DateTimeOffset.UtcNow;
            if (row.CancelRequested == 1)
            {
                // Flagged while its worker died: end it here, as nobody else will.
                if (await jobs.CancelAbandonedAsync(jobId, JobErrors.CancelledJson(), JobMapper.Now(), ct))
                {
                    await TrainingJobEvents.PublishFailedAsync(publish, row, JobErrors.Cancelled());
                    return null;
                }
            }
            else if (await jobs.ClaimAsync(jobId, worker, Iso(now), Iso(now + options.Value.Lease), ct))
            {
                return await jobs.GetAsync(jobId, ct);
            }
            else if (!waitForLease)
            {
                LogLeft(jobId, worker, "a live worker holds it");
                return null;
            }

            await Task.Delay(ClaimRetry, ct);
        }
    }

    private async Task KeepLeaseAsync(
        string jobId, string worker, CancellationTokenSource lost, CancellationTokenSource cancelled,
        CancellationToken ct)
    {
        var every = options.Value.Lease / 4;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(every, ct);
                if (!await jobs.RenewLeaseAsync(jobId, worker, Iso(DateTimeOffset.UtcNow + options.Value.Lease), ct))
                {
                    await lost.CancelAsync();
                    return;
                }

                if (await jobs.IsCancelRequestedAsync(jobId, ct))
                {
                    await cancelled.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task FinishAsync(
        string jobId, string worker, string state, Google.Rpc.Status? error, JobOutcome? outcome,
        IPublishEndpoint publish)
    {
        // The job's end is recorded even when the message's own cancellation fired meanwhile.
        var ct = CancellationToken.None;
        if (!await jobs.FinishAsync(jobId, worker, state, error is null ? null : JobMapper.Json(error),
                outcome?.ModelVersion ?? "", outcome is null ? null : JobMapper.Json(outcome.Metrics), JobMapper.Now(),
                ct))
        {
            LogLeft(jobId, worker, "another worker holds it now");
            return;
        }

        var row = (await jobs.GetAsync(jobId, ct))!;
        var name = TrainingJobNames.Job(jobId);
        if (outcome is not null)
        {
            await publish.Publish(outcome.ToEvent(name, row), ct);
        }
        else if (error is not null)
        {
            await TrainingJobEvents.PublishFailedAsync(publish, row, error);
        }

        LogEnded(jobId, state);
    }

    /// <summary>
    /// A cancelled token surfaces as OperationCanceledException in our own code, and as an RpcException with
    /// status Cancelled when it stops a call to a peer service that was in flight.
    /// </summary>
    private static bool IsCancellation(Exception e) =>
        e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled };

    private static string Iso(DateTimeOffset time) =>
        time.ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 500, Level = LogLevel.Information,
        Message = "Training job {JobId} started on {Worker} (attempt {Attempt})")]
    private partial void LogStarted(string jobId, string worker, long attempt);

    [LoggerMessage(EventId = 501, Level = LogLevel.Information, Message = "Training job {JobId} ended {State}")]
    private partial void LogEnded(string jobId, string state);

    [LoggerMessage(EventId = 502, Level = LogLevel.Warning,
        Message = "Training job {JobId} left by {Worker}: {Why}")]
    private partial void LogLeft(string jobId, string worker, string why);

    [LoggerMessage(EventId = 503, Level = LogLevel.Error, Message = "Training job {JobId} failed in the worker")]
    private partial void LogFailed(Exception exception, string jobId);
}
