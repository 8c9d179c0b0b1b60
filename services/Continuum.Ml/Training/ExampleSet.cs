using static TorchSharp.torch;

namespace Continuum.Ml.Training;

/// <summary>
/// Labelled examples held as two tensors on the CPU: features [N, ...] as float32 and labels [N] as int64.
/// Batches are gathered by index and moved to the training device one at a time.
/// </summary>
public sealed class ExampleSet : IDisposable
{
    public ExampleSet(Tensor features, Tensor labels)
    {
        if (features.shape.Length < 2 || labels.shape.Length != 1 || features.shape[0] != labels.shape[0])
        {
            throw new ArgumentException(
                $"Features [{string.Join(", ", features.shape)}] and labels [{string.Join(", ", labels.shape)}]" +
                " do not describe the same examples.");
        }

        Features = features.to_type(ScalarType.Float32);
        Labels = labels.to_type(ScalarType.Int64);
    }

    /// <summary>Copies flat row-major pixels (one example after another) and their labels into tensors.</summary>
    public static ExampleSet FromArrays(float[] features, long[] labels, IReadOnlyList<int> exampleShape)
    {
        var shape = new long[exampleShape.Count + 1];
        shape[0] = labels.Length;
        for (var i = 0; i < exampleShape.Count; i++)
        {
            shape[i + 1] = exampleShape[i];
        }

        return new ExampleSet(tensor(features).reshape(shape), tensor(labels));
    }

    public Tensor Features { get; }

    public Tensor Labels { get; }

    public long Count => Labels.shape[0];

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
