using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Continuum.Ml.Models;

/// <summary>
/// A small CNN: two (conv, ReLU, 2x2 max-pool) blocks, then a hidden fully connected layer and class logits.
/// </summary>
public sealed class ConvClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _features;
    private readonly Sequential _head;

    public ConvClassifier(
        int classes = 10,
        int inputChannels = 1,
        int inputHeight = 28,
        int inputWidth = 28,
        int channels1 = 16,
        int channels2 = 32,
        int kernelSize = 3,
        int fcSize = 128)
        : base(nameof(ConvClassifier))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);

        // "Same" padding for odd kernels keeps the size arithmetic to the two poolings.
        var padding = kernelSize / 2;
        _features = nn.Sequential(
            ("conv1", nn.Conv2d(inputChannels, channels1, kernelSize, padding: padding)),
            ("relu1", nn.ReLU()),
            ("pool1", nn.MaxPool2d(2)),
            ("conv2", nn.Conv2d(channels1, channels2, kernelSize, padding: padding)),
            ("relu2", nn.ReLU()),
            ("pool2", nn.MaxPool2d(2)));

        // Run one dummy input through the feature layers so the flattened size follows from the input shape
        // and the layer parameters instead of being hard-coded.
        long flattened;
        using (no_grad())
        using (var probe = zeros(1, inputChannels, inputHeight, inputWidth))
        using (var features = _features.forward(probe))
        {
            flattened = features.numel();
        }

        if (flattened < 1)
        {
            throw new ArgumentException($"Input {inputHeight}x{inputWidth} is too small for two 2x2 poolings.");
        }

        _head = nn.Sequential(
            ("flatten", nn.Flatten()),
            ("fc1", nn.Linear(flattened, fcSize)),
            ("relu3", nn.ReLU()),
            ("out", nn.Linear(fcSize, classes)));

        FlattenedSize = flattened;
        RegisterComponents();
    }

    /// <summary>Number of features entering the fully connected head, derived from the input shape.</summary>
    public long FlattenedSize { get; }

    /// <summary>Maps [batch, channels, height, width] to [batch, classes] logits.</summary>
    public override Tensor forward(Tensor input)
    {
        using var features = _features.forward(input);
        return _head.forward(features);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _features.Dispose();
            _head.Dispose();
        }

        base.Dispose(disposing);
    }
}
