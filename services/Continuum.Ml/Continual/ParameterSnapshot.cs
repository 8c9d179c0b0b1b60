using static TorchSharp.torch;

namespace Continuum.Ml.Continual;

/// <summary>
/// One tensor per trainable parameter of a model, keyed by the parameter's name as
/// <c>named_parameters()</c> gives it ("layers.0.weight"). The tensors are detached copies, so neither training
/// nor the autograd graph can reach them; they stay on the device they were made on. Used both for a model's
/// weights at the end of a task and for per-parameter statistics of the same shapes (the Fisher diagonal).
/// </summary>
/// <remarks>
/// The snapshot owns its tensors and keeps them out of every dispose scope, so it can outlive the scope it
/// was made in; dispose the snapshot to free them.
/// </remarks>
public sealed class ParameterSnapshot : IDisposable
{
    private readonly Dictionary<string, Tensor> _tensors;

    /// <summary>Takes ownership of <paramref name="tensors"/> (detached from any dispose scope here).</summary>
    public ParameterSnapshot(IReadOnlyDictionary<string, Tensor> tensors)
    {
        _tensors = new Dictionary<string, Tensor>(tensors.Count, StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            _tensors.Add(name, tensor.DetachFromDisposeScope());
        }
    }

    /// <summary>Copies of the parameters of <paramref name="model"/> that have requires_grad set.</summary>
    public static ParameterSnapshot Of(nn.Module<Tensor, Tensor> model)
    {
        var copies = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (parameter.requires_grad)
            {
                copies.Add(name, parameter.detach().clone());
            }
        }

        return new ParameterSnapshot(copies);
    }

    /// <summary>The tensors by parameter name; owned by the snapshot, do not dispose them.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>A new snapshot with every tensor copied to <paramref name="device"/>.</summary>
    public ParameterSnapshot To(Device device) =>
        new(_tensors.ToDictionary(pair => pair.Key, pair => pair.Value.to(device, copy: true), StringComparer.Ordinal));

    public void Dispose()
    {
        foreach (var tensor in _tensors.Values)
        {
            tensor.Dispose();
        }

        _tensors.Clear();
    }
}
