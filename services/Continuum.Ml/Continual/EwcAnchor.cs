using static TorchSharp.torch;

namespace Continuum.Ml.Continual;

/// <summary>
/// What elastic weight consolidation (Kirkpatrick et al. 2017) keeps of one learned task: the weights the model
/// had when it finished the task, and the Fisher diagonal that says how much each of them mattered.
/// </summary>
public sealed class EwcAnchor : IDisposable
{
    /// <summary>Takes ownership of both snapshots; they are disposed with the anchor.</summary>
    public EwcAnchor(ParameterSnapshot weights, ParameterSnapshot fisher)
    {
        foreach (var (name, importance) in fisher.Tensors)
        {
            if (weights.Tensors.TryGetValue(name, out var weight) && !weight.shape.SequenceEqual(importance.shape))
            {
                throw new ArgumentException(
                    $"Parameter {name} has weights [{string.Join(", ", weight.shape)}] but Fisher " +
                    $"[{string.Join(", ", importance.shape)}].", nameof(fisher));
            }
        }

        Weights = weights;
        Fisher = fisher;
    }

    /// <summary>The weights at the end of the task: the point the penalty pulls back to.</summary>
    public ParameterSnapshot Weights { get; }

    /// <summary>The Fisher diagonal at those weights: the pull's strength per weight.</summary>
    public ParameterSnapshot Fisher { get; }

    /// <summary>
    /// Online EWC (Schwarz et al. 2018): one anchor in place of one per task, so memory and the cost of the penalty
    /// stay constant as tasks accumulate. The Fisher is the running sum F = decay * F_previous + F_task over the
    /// tasks oldest first, and the anchor point is the last task's weights.
    /// </summary>
    /// <param name="oldestFirst">The per-task anchors, the first task first; they are copied, not taken.</param>
    /// <param name="decay">How much of the older tasks' importance survives each new task, in [0, 1]: 1 sums the
    /// Fishers as they are, 0 keeps only the last task's.</param>
    /// <remarks>
    /// Only the parameters in the last task's weights are kept (a penalty needs both an anchor point and a
    /// Fisher); a task whose Fisher lacks one of them adds nothing to it.
    /// </remarks>
    public static EwcAnchor Online(IReadOnlyList<EwcAnchor> oldestFirst, double decay)
    {
        if (oldestFirst.Count == 0)
        {
            throw new ArgumentException("Online EWC needs at least one task's anchor.", nameof(oldestFirst));
        }

        if (double.IsNaN(decay) || decay is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay lies in [0, 1].");
        }

        var last = oldestFirst[^1];
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var fisher = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (no_grad())
        {
            foreach (var (name, weight) in last.Weights.Tensors)
            {
                // Frees the device copies of older Fishers; the results are taken out of the scope.
                using var scope = NewDisposeScope();
                weights.Add(name, weight.clone().DetachFromDisposeScope());
                var running = zeros_like(weight);
                foreach (var anchor in oldestFirst)
                {
                    running.mul_(decay);
                    if (anchor.Fisher.Tensors.TryGetValue(name, out var importance))
                    {
                        running.add_(importance.to(running.device));
                    }
                }

                fisher.Add(name, running.DetachFromDisposeScope());
            }
        }

        return new EwcAnchor(new ParameterSnapshot(weights), new ParameterSnapshot(fisher));
    }

    public void Dispose()
    {
        Weights.Dispose();
        Fisher.Dispose();
    }
}
