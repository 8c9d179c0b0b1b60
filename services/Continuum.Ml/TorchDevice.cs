using TorchSharp;
using static TorchSharp.torch;

namespace Continuum.Ml;

/// <summary>Device choice and run-wide settings (seed, threads) for TorchSharp.</summary>
public static class TorchDevice
{
    /// <summary>
    /// "auto" gives CUDA when available, else CPU; "cpu" gives CPU; "cuda" gives CUDA or throws when it is missing,
    /// so a run that asked for a GPU never silently trains on the CPU.
    /// </summary>
    public static Device Resolve(string? name)
    {
        var choice = string.IsNullOrWhiteSpace(name) ? "auto" : name.Trim().ToLowerInvariant();
        return choice switch
        {
            "auto" => cuda.is_available() ? CUDA : CPU,
            "cpu" => CPU,
            "cuda" => cuda.is_available()
                ? CUDA
                : throw new CudaNotAvailableException(
                    "Device 'cuda' was requested but CUDA is not available: this build references the CPU-only " +
                    "libtorch, or the host has no usable GPU/driver. Use device 'cpu' or 'auto'."),
            _ => throw new ArgumentException(
                $"Unknown device '{name}'; expected 'auto', 'cpu' or 'cuda'.", nameof(name)),
        };
    }

    /// <summary>Fixes the global seed (reproducible runs) and the intra-op thread count (steady CPU use).</summary>
    public static void Configure(long seed, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        random.manual_seed(seed);
        set_num_threads(threads);
    }
}

/// <summary>CUDA was asked for by name on a host that cannot provide it.</summary>
public sealed class CudaNotAvailableException(string message) : InvalidOperationException(message);
