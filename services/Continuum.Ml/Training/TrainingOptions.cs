namespace Continuum.Ml.Training;

public enum OptimizerKind
{
    Sgd,
    Adam,
    AdamW,
}

public enum ScheduleKind
{
    Constant,
    Step,
    Cosine,
}

/// <summary>The optimizer and its settings; values are checked by the caller (the training service).</summary>
public sealed record OptimizerOptions(
    OptimizerKind Kind, double LearningRate, double Momentum = 0, double WeightDecay = 0);

/// <summary>How the learning rate moves from epoch to epoch.</summary>
public sealed record ScheduleOptions(
    ScheduleKind Kind = ScheduleKind.Constant, int StepEpochs = 1, double Gamma = 0.1, double MinLearningRate = 0)
{
    public static ScheduleOptions Constant { get; } = new();

    /// <summary>The rate for a 0-based epoch of <paramref name="epochs"/>, from the initial one.</summary>
    public double LearningRateAt(double initial, int epoch, int epochs) => Kind switch
    {
        ScheduleKind.Step => initial * Math.Pow(Gamma, epoch / Math.Max(1, StepEpochs)),
        // Half a cosine from the initial rate down to the minimum, reached at the start of the last epoch.
        ScheduleKind.Cosine when epochs > 1 =>
            MinLearningRate + (initial - MinLearningRate) * (1 + Math.Cos(Math.PI * epoch / (epochs - 1))) / 2,
        _ => initial,
    };
}

/// <summary>Everything a trainer needs besides the model and the data.</summary>
public sealed record TrainingOptions(
    OptimizerOptions Optimizer, int BatchSize, int Epochs, long Seed, ScheduleOptions? Schedule = null)
{
    public ScheduleOptions EffectiveSchedule => Schedule ?? ScheduleOptions.Constant;
}
