using Continuum.Ml.Continual;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Continuum.Tests.Ml.Continual;

/// <summary>Models and snapshots small enough to check by hand.</summary>
internal static class TinyModels
{
    /// <summary>nn.Linear with the given weight [outputs, inputs] and bias [outputs], on the CPU.</summary>
    public static Linear Linear(float[,] weight, float[] bias)
    {
        var model = nn.Linear(weight.GetLength(1), weight.GetLength(0));
        using (no_grad())
        {
            using var w = tensor(weight);
            using var b = tensor(bias);
            model.weight!.copy_(w);
            model.bias!.copy_(b);
        }

        return model;
    }

    /// <summary>A snapshot of a Linear's two parameters, with the given values.</summary>
    public static ParameterSnapshot Snapshot(float[,] weight, float[] bias) =>
        new(new Dictionary<string, Tensor> { ["weight"] = tensor(weight), ["bias"] = tensor(bias) });

    /// <summary>Every value of a tensor, row-major, as doubles.</summary>
    public static double[] Values(Tensor tensor) =>
        tensor.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray();

    /// <summary>Softmax of plain doubles, for expected values computed apart from torch.</summary>
    public static double[] Softmax(params double[] logits)
    {
        var top = logits.Max();
        var exps = logits.Select(z => Math.Exp(z - top)).ToArray();
        var total = exps.Sum();
        return exps.Select(e => e / total).ToArray();
    }
}
