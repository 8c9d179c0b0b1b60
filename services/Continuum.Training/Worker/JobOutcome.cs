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

    public static string StrategyName(TrainingSpec spec) =>
        spec.Strategy?.KindCase is null or ContinualStrategy.KindOneofCase.None
            ? "naive"
            : spec.Strategy.KindCase.ToString().ToLowerInvariant();
}
