using System.Diagnostics;
using Continuum.Registry.V1;
using Continuum.Training.V1;
using Grpc.Core;

namespace Continuum.Bench;

/// <summary>How a run ended: every task learned, or why not.</summary>
public enum RunStatus
{
    Succeeded,

    /// <summary>The training service answered Unimplemented: it does not offer the strategy (yet).</summary>
    NotAvailable,

    /// <summary>The training service refused the job (FailedPrecondition, e.g. the scenario guard).</summary>
    Refused,

    Failed,
    TimedOut,
}

/// <summary>One run: a scenario learned task by task with one strategy and one seed.</summary>
/// <param name="Metrics">The metrics of the version registered for the last task, read from the registry.</param>
public sealed record RunOutcome(
    string Scenario, StrategyChoice Strategy, int Seed, RunStatus Status, string Detail, ModelMetrics? Metrics,
    TimeSpan Elapsed);

/// <summary>
/// Runs one chain of training jobs through the training service: task 1 from scratch, then each task fine-tunes
/// the version registered for the task before it, evaluated on the test splits of every task so far in task
/// order; the registered version's metrics come from the registry.
/// </summary>
public sealed class ContinualRunner(TrainingServer server, ContinualSettings settings)
{
    private RegistryService.RegistryServiceClient Registry => new(server.Channel);

    public async Task<RunOutcome> RunAsync(
        ContinualScenario scenario, IReadOnlyList<string> tasks, StrategyChoice strategy, int seed,
        CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var model = $"models/{scenario.Name}-{strategy.Name}-s{seed}";
        var classIncremental = scenario.Name.StartsWith("split-", StringComparison.Ordinal);
        var previous = "";
        ModelMetrics? metrics = null;
        RunOutcome End(RunStatus status, string detail) =>
            new(scenario.Name, strategy, seed, status, detail, metrics, clock.Elapsed);

        for (var t = 0; t < tasks.Count; t++)
        {
            var spec = new TrainingSpec
            {
                TrainingDatasetVersions = { tasks[t] },
                EvaluationDatasetVersions = { tasks.Take(t + 1) },
                Architecture = ContinualSettings.Architecture,
                Optimizer = new Optimizer { Kind = OptimizerKind.Adam, LearningRate = ContinualSettings.LearningRate },
                BatchSize = ContinualSettings.BatchSize,
                Epochs = settings.EpochsFor(scenario.Name),
                Seed = seed,
                Device = Continuum.Training.V1.Device.Cpu,
                BaseModelVersion = previous,
                RegisterModel = model,
                Strategy = strategy.Proto,
                AllowUnsafeScenario = strategy.Unsafe && classIncremental,
            };
            TrainingJob job;
            try
            {
                job = await RunJobAsync(spec, ct);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                return End(RunStatus.NotAvailable, e.Status.Detail);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                return End(RunStatus.Refused, e.Status.Detail);
            }
            catch (TimeoutException e)
            {
                return End(RunStatus.TimedOut, $"task {t + 1}: {e.Message}");
            }

            if (job.State != TrainingJobState.Succeeded)
            {
                return End(RunStatus.Failed, $"task {t + 1}: {job.Name} ended {job.State}: "
                    + $"{(StatusCode)(job.Error?.Code ?? 2)} {job.Error?.Message}");
            }

            previous = job.ModelVersion;
            metrics = (await Registry.GetModelVersionAsync(new GetModelVersionRequest { Name = previous },
                cancellationToken: ct)).ModelVersion.Metrics;
            var seconds = (job.EndTime.ToDateTime() - job.StartTime.ToDateTime()).TotalSeconds;
            Console.Error.WriteLine($"  {scenario.Name} {strategy.Name} seed {seed} task {t + 1}/{tasks.Count} "
                + $"({scenario.Tasks[t].Description}): {seconds:N1} s, accuracy on tasks so far "
                + string.Join(" ", metrics.Evaluations.Select(e => $"{e.Accuracy:F3}")));
        }

        return End(RunStatus.Succeeded, "");
    }

    /// <summary>
    /// Creates the job and follows its watch stream to the end; returns the job in its final state. A job that
    /// runs past the timeout is cancelled, and waited for (a minute at most) so that it leaves the worker free.
    /// </summary>
    /// <exception cref="TimeoutException">The job did not end within the timeout.</exception>
    private async Task<TrainingJob> RunJobAsync(TrainingSpec spec, CancellationToken ct)
    {
        var training = server.Training;
        var name = (await training.CreateTrainingJobAsync(
            new CreateTrainingJobRequest { TrainingJob = new TrainingJob { Spec = spec } }, cancellationToken: ct))
            .TrainingJob.Name;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(settings.JobTimeout);
            if (!await FollowAsync(training, name, timeout.Token))
            {
                ct.ThrowIfCancellationRequested();
                await training.CancelTrainingJobAsync(new CancelTrainingJobRequest { Name = name },
                    cancellationToken: CancellationToken.None);
                using var grace = new CancellationTokenSource(TimeSpan.FromMinutes(1));
                await FollowAsync(training, name, grace.Token);
                throw new TimeoutException($"{name} ran past {settings.JobTimeout.TotalMinutes:0.##} min; cancelled.");
            }
        }

        return (await training.GetTrainingJobAsync(new GetTrainingJobRequest { Name = name }, cancellationToken: ct))
            .TrainingJob;
    }

    /// <summary>Reads the job's watch stream until it ends (true) or <paramref name="ct"/> fires (false).</summary>
    private static async Task<bool> FollowAsync(
        TrainingService.TrainingServiceClient training, string name, CancellationToken ct)
    {
        try
        {
            using var call = training.WatchTrainingJob(new WatchTrainingJobRequest { Name = name },
                cancellationToken: ct);
            while (await call.ResponseStream.MoveNext(ct))
            {
            }

            return true;
        }
        catch (Exception e) when (ct.IsCancellationRequested
            && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            return false;
        }
    }
}
