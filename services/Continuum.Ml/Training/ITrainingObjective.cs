using static TorchSharp.torch;

namespace Continuum.Ml.Training;

/// <summary>
/// The loss a trainer minimises for one batch. Continual-learning strategies add their terms here (a penalty
/// on moving weights, a distillation term) on top of the cross-entropy of the batch.
/// </summary>
public interface ITrainingObjective
{
    Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor logits, Tensor labels);
}

/// <summary>Plain cross-entropy of the logits against the labels, averaged over the batch.</summary>
public sealed class CrossEntropyObjective : ITrainingObjective
{
    public static CrossEntropyObjective Instance { get; } = new();

    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits, labels);
}
