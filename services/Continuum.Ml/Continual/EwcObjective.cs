using Continuum.Ml.Training;
using static TorchSharp.torch;

namespace Continuum.Ml.Continual;

/// <summary>
/// Elastic weight consolidation (Kirkpatrick et al. 2017): the cross-entropy of the new task plus a quadratic
/// pull of every weight back towards where earlier tasks left it, each weight pulled as hard as its Fisher
/// information says it mattered to them.
/// </summary>
/// <remarks>
/// The objective reads the anchors but does not own them: the caller keeps them alive while it trains and
/// disposes them after. Anchors are best made on the model's device (a snapshot of the model there is);
/// tensors on another device still work, but are copied over for every batch.
/// </remarks>
public sealed class EwcObjective : ITrainingObjective
{
    private readonly IReadOnlyList<EwcAnchor> _anchors;
    private readonly double _halfStrength;

    /// <param name="anchors">One per earlier task (or one online anchor); may be empty, which leaves plain
    /// cross-entropy.</param>
    /// <param name="penaltyStrength">Lambda, at least 0: how much remembering weighs against learning.</param>
    public EwcObjective(IReadOnlyList<EwcAnchor> anchors, double penaltyStrength)
    {
        if (double.IsNaN(penaltyStrength) || penaltyStrength < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(penaltyStrength), penaltyStrength,
                "The penalty strength is at least 0.");
        }

        _anchors = [.. anchors];
        _halfStrength = penaltyStrength / 2;
    }

    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor logits, Tensor labels) =>
        nn.functional.cross_entropy(logits, labels).add(Penalty(model));

    /// <summary>
    /// (lambda / 2) * the sum over anchors and over the model's trainable parameters of
    /// F * (theta - theta_anchor)^2: a scalar that is exactly zero at the anchor weights. A parameter missing
    /// from an anchor's weights or Fisher is skipped for that anchor.
    /// </summary>
    /// <exception cref="ArgumentException">An anchor's tensor has another shape than the parameter.</exception>
    public Tensor Penalty(nn.Module<Tensor, Tensor> model)
    {
        var terms = new List<Tensor>();
        Device? device = null;
        foreach (var (name, parameter) in model.named_parameters())
        {
            device ??= parameter.device;
            if (!parameter.requires_grad)
            {
                continue;
            }

            foreach (var anchor in _anchors)
            {
                if (anchor.Weights.Tensors.TryGetValue(name, out var anchored)
                    && anchor.Fisher.Tensors.TryGetValue(name, out var importance))
                {
                    if (!anchored.shape.SequenceEqual(parameter.shape))
                    {
                        throw new ArgumentException(
                            $"Parameter {name} is [{string.Join(", ", parameter.shape)}] but its anchor is " +
                            $"[{string.Join(", ", anchored.shape)}].", nameof(model));
                    }

                    var moved = parameter.sub(anchored.to(parameter.device));
                    terms.Add(importance.to(parameter.device).mul(moved.square()).sum());
                }
            }
        }

        if (terms.Count == 0)
        {
            return tensor(0f, device: device ?? CPU);
        }

        return stack(terms).sum().mul(_halfStrength);
    }
}
