namespace Continuum.Ml.Training;

/// <summary>The loss became NaN or infinite: training cannot recover, so the job fails at once.</summary>
public sealed class NonFiniteLossException(int epoch, long step, double loss)
    : Exception($"The loss became {loss} at epoch {epoch + 1}, step {step}; lower the learning rate or check the" +
        " data for extreme values.")
{
    public int Epoch { get; } = epoch;

    public long Step { get; } = step;
}
