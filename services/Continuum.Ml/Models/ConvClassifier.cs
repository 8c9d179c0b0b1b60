using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Continuum.Ml.Models;

/// <summary>
/// A small CNN: per convolution a (conv, ReLU, 2x2 max-pool) block; then per hidden fully connected layer
/// (dropout, linear, ReLU); then dropout and a linear layer to class logits.
/// </summary>
public sealed class ConvClassifier : nn.Module<Tensor, Tensor>
{
    private readonly Sequential _features;
    private readonly Sequential _head;

    /// <param name="convChannels">Output channels of each convolution; null means [16, 32].</param>
    /// <param name="fullyConnectedSizes">Width of each hidden fully connected layer; null means [128].</param>
    public ConvClassifier(
        int classes = 10,
        int inputChannels = 1,
        int inputHeight = 28,
        int inputWidth = 28,
        IReadOnlyList<int>? convChannels = null,
        int kernelSize = 3,
        IReadOnlyList<int>? fullyConnectedSizes = null,
        double dropout = 0)
        : base(nameof(ConvClassifier))
    {
        convChannels ??= [16, 32];
        fullyConnectedSizes ??= [128];
        FlattenedSize = FeatureSize(inputChannels, inputHeight, inputWidth, convChannels, kernelSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (dropout is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "Dropout must be in [0, 1).");
        }

        // "Same" padding for odd kernels keeps the size arithmetic to the poolings.
        var features = new List<(string, nn.Module<Tensor, Tensor>)>();
        var channels = inputChannels;
        for (var i = 0; i < convChannels.Count; i++)
        {
            features.Add(($"conv{i}", nn.Conv2d(channels, convChannels[i], kernelSize, padding: kernelSize / 2)));
            features.Add(($"relu{i}", nn.ReLU()));
            features.Add(($"pool{i}", nn.MaxPool2d(2)));
            channels = convChannels[i];
        }

        var head = new List<(string, nn.Module<Tensor, Tensor>)> { ("flatten", nn.Flatten()) };
        var width = FlattenedSize;
        for (var i = 0; i < fullyConnectedSizes.Count; i++)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(fullyConnectedSizes[i], 1, nameof(fullyConnectedSizes));
            AddDropout(head, $"drop{i}", dropout);
            head.Add(($"fc{i}", nn.Linear(width, fullyConnectedSizes[i])));
            head.Add(($"relu{i}", nn.ReLU()));
            width = fullyConnectedSizes[i];
        }

        AddDropout(head, "drop_out", dropout);
        head.Add(("out", nn.Linear(width, classes)));

        _features = nn.Sequential(features);
        _head = nn.Sequential(head);
        RegisterComponents();
    }

    /// <summary>Number of features entering the fully connected head, derived from the input shape.</summary>
    public long FlattenedSize { get; }

    /// <summary>
    /// Features left after the convolution blocks for one input example; throws ArgumentException when the
    /// input is too small for the poolings or a size is not positive.
    /// </summary>
    public static long FeatureSize(
        int inputChannels, int inputHeight, int inputWidth, IReadOnlyList<int> convChannels, int kernelSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentNullException.ThrowIfNull(convChannels);
        if (convChannels.Count == 0)
        {
            throw new ArgumentException("A CNN needs at least one convolution.", nameof(convChannels));
        }

        long height = inputHeight, width = inputWidth;
        foreach (var channels in convChannels)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1, nameof(convChannels));
            // Conv with padding k/2 gives n + 2(k/2) - k + 1 (n for odd k, n + 1 for even k); pooling halves it.
            height = (height + 2 * (kernelSize / 2) - kernelSize + 1) / 2;
            width = (width + 2 * (kernelSize / 2) - kernelSize + 1) / 2;
            if (height < 1 || width < 1)
            {
                throw new ArgumentException(
                    $"Input {inputHeight}x{inputWidth} is too small for {convChannels.Count} 2x2 poolings.");
            }
        }

        return convChannels[^1] * height * width;
    }

    /// <summary>
    /// Maps [batch, channels, height, width] to [batch, classes] logits; a [batch, height, width] input is read
    /// as one channel.
    /// </summary>
    public override Tensor forward(Tensor input)
    {
        using var batched = input.dim() == 3 ? input.unsqueeze(1) : input.alias();
        using var features = _features.forward(batched);
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

    // A zero-probability dropout would only add a no-op layer.
    private static void AddDropout(List<(string, nn.Module<Tensor, Tensor>)> layers, string name, double dropout)
    {
        if (dropout > 0)
        {
            layers.Add((name, nn.Dropout(dropout)));
        }
    }
}
