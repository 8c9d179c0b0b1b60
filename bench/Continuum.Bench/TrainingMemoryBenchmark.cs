using System.Diagnostics;
using Continuum.Training.V1;

namespace Continuum.Bench;

/// <summary>
/// Resident memory of a worker over a job of more than 10,000 training steps: this process hosts the worker, so
/// its resident set is the worker's. It is read, after a full garbage collection, when the job's step points
/// first reach 1,000, 2,000, ... 10,000 steps; the figure is the growth from step 1,000 to step 10,000, after
/// the first steps have filled libtorch's caches and the allocator's pools.
/// </summary>
public sealed class TrainingMemoryBenchmark : IBenchmark
{
    private const int StepsApart = 1_000;
    private const int LastStep = 10_000;

    public string Name => "training-memory";

    public string Description =>
        $"Resident memory of a worker running a job (batch {TrainingBenchmark.BatchSize}, 11 epochs of 60,000), "
        + "step 10,000 against step 1,000";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(CancellationToken cancellationToken)
    {
        var threads = TrainingBenchmark.Threads;
        await using var server = await TrainingServer.StartAsync(threads);
        var version = await server.UploadFashionAsync(cancellationToken);
        // 60,000 examples in batches of 64 make 938 steps an epoch: 11 epochs pass step 10,000 (10,318 steps).
        var spec = TrainingBenchmark.Spec(version, epochs: 11);
        var samples = new SortedDictionary<long, double>();
        await server.RunJobAsync(spec, point =>
        {
            var mark = point.Step / StepsApart * StepsApart;
            if (point.Scope == MetricScope.Step && mark is >= StepsApart and <= LastStep && samples.TryAdd(mark, 0))
            {
                samples[mark] = ResidentMiB();
                Console.Error.WriteLine($"  step {point.Step,6}: {samples[mark]:N1} MiB resident");
            }
        }, cancellationToken);

        return
        [
            new BenchResult($"training-memory ({threads} thr)", "resident at step 10,000 vs 1,000",
                samples[LastStep], samples[StepsApart], "MiB", Aim: null, AimAtMost: 1.05),
        ];
    }

    // After a full collection, so that garbage awaiting the collector is not counted as growth.
    private static double ResidentMiB()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64 / (1024.0 * 1024.0);
    }
}
