using System.Globalization;
using Continuum.Events;
using Continuum.Registry.V1;
using Continuum.Training.Jobs;
using Continuum.Training.V1;

namespace Continuum.Training.Worker;

/// <summary>What a successful run produced: the registered version (when asked) and the final metrics.</summary>
public sealed record JobOutcome(string ModelVersion, ModelMetrics Metrics, TrainingSpec Spec, TimeSpan Duration)
{
    public TrainingJobCompleted ToEvent(string jobName, JobRow row) => new()
    {
        EventId = EventIds.For(jobName, "completed"),
        OccurredAt = DateTimeOffset.UtcNow,
        TrainingJob = jobName,
        ModelVersion = ModelVersion,
        TrainingDatasetVersions = [.. Spec.TrainingDatasetVersions],
        EvaluationDatasetVersions = [.. Spec.EvaluationDatasetVersions],
        Accuracies = [.. Metrics.Evaluations.Select(e => e.Accuracy)],
        AverageAccuracy = Metrics.AverageAccuracy,
        Forgetting = Metrics.Forgetting,
        Strategy = StrategyName(Spec),
        BaseModelVersion = Spec.BaseModelVersion,
        Policy = row.Policy,
        Trial = row.Trial,
        DurationSeconds = Duration.TotalSeconds,
    };

    /// <summary>The strategy's settings as the registry's hyperparameters show them, defaults filled in.</summary>
    public static Dictionary<string, string> StrategyParameters(ContinualStrategy? strategy)
    {
        static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);
        return strategy?.KindCase switch
        {
            ContinualStrategy.KindOneofCase.Replay => new()
            {
                ["replay.buffer_size"] = strategy.Replay.BufferSize.ToString(CultureInfo.InvariantCulture),
                ["replay.selection"] = strategy.Replay.Selection == ReplaySelection.Reservoir
                    ? "reservoir" : "class_balanced",
                ["replay.batch_fraction"] = F(strategy.Replay.BatchFraction > 0
                    ? strategy.Replay.BatchFraction : StrategyPreparation.DefaultBatchFraction),
            },
            ContinualStrategy.KindOneofCase.Ewc => new()
            {
                ["ewc.penalty_strength"] = F(strategy.Ewc.PenaltyStrength),
                ["ewc.online"] = strategy.Ewc.Online ? "true" : "false",
                ["ewc.fisher_sample_count"] = strategy.Ewc.FisherSampleCount.ToString(CultureInfo.InvariantCulture),
            },
            ContinualStrategy.KindOneofCase.Lwf => new()
            {
                ["lwf.temperature"] = F(strategy.Lwf.Temperature > 0
                    ? strategy.Lwf.Temperature : StrategyPreparation.DefaultTemperature),
                ["lwf.distillation_weight"] = F(strategy.Lwf.DistillationWeight > 0 ? strategy.Lwf.DistillationWeight : 1),
            },
            _ => [],
        };
    }

    public static string StrategyName(TrainingSpec spec) =>
        spec.Strategy?.KindCase is null or ContinualStrategy.KindOneofCase.None
            ? "naive"
            : spec.Strategy.KindCase.ToString().ToLowerInvariant();
}
