using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Continuum.Ml.Models;

/// <summary>Fully connected classifier: per hidden layer Linear, ReLU, Dropout; then a Linear to logits.</summary>
public sealed class MlpClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _layers;

    public MlpClassifier(int inputFeatures, IReadOnlyList<int> hiddenSizes, double dropout, int classes)
        : base(nameof(MlpClassifier))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputFeatures, 1);
        ArgumentNullException.ThrowIfNull(hiddenSizes);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (dropout is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        }

        InputFeatures = inputFeatures;
        Classes = classes;

        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        var width = inputFeatures;
        for (var i = 0; i < hiddenSizes.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSizes[i], 1, nameof(hiddenSizes));
            modules.Add(($"fc{i}", nn.Linear(width, hiddenSizes[i])));
            modules.Add(($"relu{i}", nn.ReLU()));
            // A zero-probability dropout would only add a no-op layer to the state dict names.
            if (dropout > 0)
            {
                modules.Add(($"drop{i}", nn.Dropout(dropout)));
            }

            width = hiddenSizes[i];
        }

        modules.Add(("out", nn.Linear(width, classes)));
        _layers = nn.Sequential(modules);
        RegisterComponents();
    }

    public int InputFeatures { get; }

    public int Classes { get; }

    /// <summary>
    /// Maps [batch, inputFeatures] to [batch, classes] logits (no softmax: the loss applies it); an input of more
    /// dimensions, e.g. [batch, 28, 28], is flattened after the batch dimension first.
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        using var flat = input.flatten(1);
        return _layers.forward(flat);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _layers.Dispose();
        }

        base.Dispose(disposing);
    }
}
