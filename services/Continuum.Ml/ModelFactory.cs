using Continuum.Ml.Models;
using Continuum.Registry.V1;
using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Ml;

/// <summary>
/// Builds the network a registry <see cref="Architecture"/> describes, for one input shape and class count, so
/// that training, the registry and compression all agree on the layers and their state dict names. Every module
/// takes a batch of examples, [N, ..input shape], and gives [N, classes] logits.
/// </summary>
public static class ModelFactory
{
    // torch has one random generator per process. Seeding it and drawing a model's initial weights happen under
    // one lock, and every model is built under it, so that a model built at the same moment elsewhere (another
    // job, a validation) cannot draw in between and make a seeded job's weights depend on timing.
    private static readonly Lock Initialisation = new();

    /// <summary>
    /// A new module with freshly initialised weights, drawn after seeding torch's generator with
    /// <paramref name="seed"/> when one is given. An MLP reads the flattened input; a CNN reads [H, W] as one
    /// channel and [C, H, W] as C channels. Throws ArgumentException, naming what is wrong, when the architecture
    /// does not fit the shape or class count.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(
        Architecture architecture, IReadOnlyList<int> inputShape, int classCount, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(inputShape);
        lock (Initialisation)
        {
            if (seed is { } s)
            {
                random.manual_seed(s);
            }

            return Build(architecture, inputShape, classCount);
        }
    }

    private static nn.Module<Tensor, Tensor> Build(
        Architecture architecture, IReadOnlyList<int> inputShape, int classCount)
    {
        switch (architecture.KindCase)
        {
            case Architecture.KindOneofCase.Mlp:
                return new MlpClassifier(
                    Features(inputShape), HiddenSizes(architecture.Mlp), architecture.Mlp.Dropout, classCount);
            case Architecture.KindOneofCase.Cnn:
                var cnn = architecture.Cnn;
                var (channels, height, width) = ImageShape(inputShape);
                return new ConvClassifier(classCount, channels, height, width, cnn.ConvChannels,
                    KernelSize(cnn), cnn.FullyConnectedSizes, cnn.Dropout);
            default:
                throw new ArgumentException("The architecture names no kind of network: set mlp or cnn.",
                    nameof(architecture));
        }
    }

    /// <summary>
    /// Number of weights <see cref="Create"/> would allocate, counted without building anything, so a caller can
    /// refuse an architecture too large for its artifact before allocating it.
    /// </summary>
    public static long ParameterCount(Architecture architecture, IReadOnlyList<int> inputShape, int classCount)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(inputShape);
        switch (architecture.KindCase)
        {
            case Architecture.KindOneofCase.Mlp:
                return Linears(Features(inputShape), HiddenSizes(architecture.Mlp), classCount);
            case Architecture.KindOneofCase.Cnn:
                var cnn = architecture.Cnn;
                var (channels, height, width) = ImageShape(inputShape);
                var kernel = KernelSize(cnn);
                var flattened = ConvClassifier.FeatureSize(channels, height, width, cnn.ConvChannels, kernel);
                long count = 0;
                foreach (var output in cnn.ConvChannels)
                {
                    count = checked(count + ((long)channels * kernel * kernel + 1) * output);
                    channels = output;
                }

                return checked(count + Linears(flattened, cnn.FullyConnectedSizes, classCount));
            default:
                throw new ArgumentException("The architecture names no kind of network: set mlp or cnn.",
                    nameof(architecture));
        }
    }

    /// <summary>The kernel of a CNN whose architecture leaves kernel_size at 0.</summary>
    public const int DefaultKernelSize = 3;

    private static int KernelSize(CnnArchitecture cnn) => cnn.KernelSize == 0 ? DefaultKernelSize : cnn.KernelSize;

    private static IReadOnlyList<int> HiddenSizes(MlpArchitecture mlp) =>
        mlp.HiddenSizes.Count > 0
            ? mlp.HiddenSizes
            : throw new ArgumentException("An MLP needs at least one hidden layer (mlp.hidden_sizes).", "architecture");

    private static int Features(IReadOnlyList<int> inputShape)
    {
        RequireShape(inputShape);
        var features = inputShape.Aggregate(1L, (product, d) => product * d);
        return features <= int.MaxValue
            ? (int)features
            : throw new ArgumentException($"Input shape {Show(inputShape)} has over {int.MaxValue} features.",
                nameof(inputShape));
    }

    private static (int Channels, int Height, int Width) ImageShape(IReadOnlyList<int> inputShape)
    {
        RequireShape(inputShape);
        return inputShape.Count switch
        {
            2 => (1, inputShape[0], inputShape[1]),
            3 => (inputShape[0], inputShape[1], inputShape[2]),
            _ => throw new ArgumentException(
                $"A CNN takes input shape [H, W] or [C, H, W], got {Show(inputShape)}.", nameof(inputShape)),
        };
    }

    private static void RequireShape(IReadOnlyList<int> inputShape)
    {
        if (inputShape.Count == 0 || inputShape.Any(d => d < 1))
        {
            throw new ArgumentException($"Input shape {Show(inputShape)} needs positive dimensions.",
                nameof(inputShape));
        }
    }

    // Weights and biases of the linear layers from `inputs` through each hidden width to the class logits.
    private static long Linears(long inputs, IReadOnlyList<int> hidden, int classCount)
    {
        long count = 0;
        foreach (var width in hidden.Append(classCount))
        {
            if (width < 1)
            {
                throw new ArgumentException($"Layer widths and the class count must be positive, got {width}.");
            }

            count = checked(count + (inputs + 1) * width);
            inputs = width;
        }

        return count;
    }

    private static string Show(IReadOnlyList<int> shape) => $"[{string.Join(", ", shape)}]";
}
