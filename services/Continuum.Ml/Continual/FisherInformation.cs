using Continuum.Ml.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Ml.Continual;

/// <summary>
/// How much each weight matters to what a model has learned, measured as the diagonal of the empirical Fisher
/// information: the mean over examples of the squared gradient of log p(true label | example). Elastic weight
/// consolidation uses it to decide which weights to hold in place when the model learns the next task.
/// </summary>
public static class FisherInformation
{
    /// <summary>
    /// The empirical Fisher diagonal of every parameter of <paramref name="model"/> with requires_grad, on the
    /// parameters' device.
    /// </summary>
    /// <param name="model">On <paramref name="device"/>. Run in evaluation mode, so dropout does not blur the
    /// estimate; its previous mode is restored afterwards. Its weights are not changed and its gradients are
    /// left zeroed.</param>
    /// <param name="examples">The task's examples; each true label is the one whose likelihood is used.</param>
    /// <param name="device">Where the examples are moved, one at a time.</param>
    /// <param name="sampleCount">How many examples to use: zero, negative or at least
    /// <see cref="ExampleSet.Count"/> means all of them; otherwise a random subset of that size.</param>
    /// <param name="seed">Chooses the subset; the same seed chooses the same examples.</param>
    /// <remarks>
    /// The gradient is taken one example at a time: the Fisher diagonal is a mean of squares, and squaring the
    /// gradient of a batch (a square of the mean) would underestimate it, by a factor of the batch size where the
    /// examples' gradients point in unrelated directions.
    /// </remarks>
    public static ParameterSnapshot Diagonal(
        nn.Module<Tensor, Tensor> model, ExampleSet examples, Device device, int sampleCount, long seed)
    {
        if (examples.Count == 0)
        {
            throw new ArgumentException("The Fisher information needs at least one example.", nameof(examples));
        }

        var parameters = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        var sums = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var wasTraining = model.training;
        model.eval();
        try
        {
            foreach (var (name, parameter) in parameters)
            {
                sums.Add(name, zeros_like(parameter, requires_grad: false).DetachFromDisposeScope());
            }

            var chosen = ChooseExamples(examples.Count, sampleCount, seed);
            foreach (var index in chosen)
            {
                using var scope = NewDisposeScope();
                model.zero_grad();
                var input = examples.Features.narrow(0, index, 1).to(device);
                var label = examples.Labels.narrow(0, index, 1).to(device);
                // Cross-entropy of one example is -log p(label); the sign vanishes in the square.
                nn.functional.cross_entropy(model.forward(input), label).backward();
                using (no_grad())
                {
                    foreach (var (name, parameter) in parameters)
                    {
                        // A parameter the output does not depend on has no gradient: it adds nothing.
                        if (parameter.grad is { } gradient)
                        {
                            sums[name].add_(gradient.square());
                        }
                    }
                }
            }

            foreach (var sum in sums.Values)
            {
                sum.div_(chosen.Length);
            }

            return new ParameterSnapshot(sums);
        }
        catch
        {
            foreach (var sum in sums.Values)
            {
                sum.Dispose();
            }

            throw;
        }
        finally
        {
            model.zero_grad();
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Indices of the examples to use: all of them in order, or the first <paramref name="sampleCount"/> of a
    /// seeded permutation, which is a uniform subset without repeats.
    /// </summary>
    private static long[] ChooseExamples(long count, int sampleCount, long seed)
    {
        if (sampleCount <= 0 || sampleCount >= count)
        {
            var all = new long[count];
            for (long i = 0; i < count; i++)
            {
                all[i] = i;
            }

            return all;
        }

        using var generator = new Generator(unchecked((ulong)seed));
        using var order = randperm(count, generator: generator);
        using var subset = order.narrow(0, 0, sampleCount);
        return subset.data<long>().ToArray();
    }
}
