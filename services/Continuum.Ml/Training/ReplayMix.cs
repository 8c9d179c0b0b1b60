using static TorchSharp.torch;

namespace Continuum.Ml.Training;

/// <summary>
/// Experience replay in the training loop: every batch of new examples gets <paramref name="ExamplesPerBatch"/>
/// examples from <paramref name="Buffer"/> (the memory of earlier tasks) appended, drawn uniformly with
/// replacement, and the objective sees the mixed batch.
/// </summary>
/// <param name="Buffer">Remembered examples, with the new data's example shape; owned by the caller. An empty
/// buffer (the first task) trains on the new data alone.</param>
/// <param name="ExamplesPerBatch">At least 0; <c>ReplayPlan.ReplayExamplesPerBatch</c> derives it from a share
/// of the batch.</param>
public sealed record ReplayMix(ExampleSet Buffer, int ExamplesPerBatch)
{
    // The ASCII bytes of "replay": sets the replay stream's seeds apart from the shuffle's.
    private const long ReplayStream = 0x7265706C6179;

    /// <summary>Whether batches get anything appended at all.</summary>
    internal bool IsActive => ExamplesPerBatch > 0 && Buffer.Count > 0;

    /// <summary>
    /// The generator for one epoch's draws, derived from that epoch's seed alone, so that an epoch run after a
    /// resume draws what it would have drawn in the uninterrupted run.
    /// </summary>
    internal static Generator EpochGenerator(long epochSeed) => new(unchecked((ulong)(epochSeed ^ ReplayStream)));

    /// <exception cref="ArgumentException">The buffer's examples are not shaped like <paramref name="train"/>'s.
    /// </exception>
    internal void CheckShape(ExampleSet train)
    {
        if (!Buffer.Features.shape.Skip(1).SequenceEqual(train.Features.shape.Skip(1)))
        {
            throw new ArgumentException(
                $"Replayed examples [{string.Join(", ", Buffer.Features.shape.Skip(1))}] do not have the shape of " +
                $"the new ones [{string.Join(", ", train.Features.shape.Skip(1))}].", nameof(train));
        }
    }

    /// <summary>The batch with <see cref="ExamplesPerBatch"/> buffer examples after its own, on the CPU.</summary>
    internal (Tensor Inputs, Tensor Labels) Append(Tensor inputs, Tensor labels, Generator generator)
    {
        var drawn = randint(0, Buffer.Count, [ExamplesPerBatch], generator: generator);
        return (cat([inputs, Buffer.Features.index_select(0, drawn)], 0),
            cat([labels, Buffer.Labels.index_select(0, drawn)], 0));
    }
}
