using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Continuum.Ml;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Continuum.Registry.Artifacts;

/// <summary>
/// A version's weights as safetensors, which PyTorch reads: the network its architecture describes is rebuilt,
/// the stored TorchSharp state dict loaded into it, and the state dict written out again. The same artifact and
/// architecture always give the same bytes, so the result is kept as a blob and every download, resumed or not,
/// sends one file with one digest.
/// TODO: an export blob outlives its version, since deletes remove only blobs that rows refer to. Nothing
/// breaks meanwhile (it is made again on demand, so a sweep of unreferenced blobs may remove it any time), but
/// it takes about as much disk as the artifact until then.
/// </summary>
internal static class SafetensorsExport
{
    private const string Reason = "ARTIFACT_NOT_LOADABLE";

    // Export key to the export's blob. An entry stays right for as long as the process lives, whichever store
    // asks: the bytes follow from the key alone. Only whether the blob is still stored is checked again.
    private static readonly ConcurrentDictionary<string, BlobInfo> Exported = new();

    /// <summary>
    /// The stored safetensors file of <paramref name="version"/>, made on first use. An artifact that does not
    /// load into the version's architecture answers FailedPrecondition with reason ARTIFACT_NOT_LOADABLE.
    /// </summary>
    public static async Task<BlobInfo> GetAsync(IBlobStore blobs, ModelVersion version, CancellationToken ct)
    {
        var key = Key(version);
        if (Exported.TryGetValue(key, out var known) && await blobs.GetInfoAsync(known.Sha256, ct) is not null)
        {
            return known;
        }

        // Concurrent first requests may both export; the store keeps one copy of identical bytes.
        var exported = await ExportAsync(blobs, version, ct);
        Exported[key] = exported;
        return exported;
    }

    private static async Task<BlobInfo> ExportAsync(IBlobStore blobs, ModelVersion version, CancellationToken ct)
    {
        using var module = Build(version);
        await using (var artifact = await blobs.OpenReadAsync(version.Artifact.Sha256, ct))
        {
            try
            {
                module.load(artifact, strict: true);
            }
            catch (Exception e) when (e is ArgumentException or IOException or FormatException
                or InvalidDataException or OverflowException)
            {
                // Wrong names, shapes or dtypes are ArgumentException; bytes that are no state dict end in one
                // of the others as the reader runs off the end or meets an impossible length.
                ThrowNotLoadable(version, e.Message);
            }
        }

        return await blobs.PutAsync((target, _) =>
        {
            module.save_safetensors(target, leaveOpen: true);
            return Task.CompletedTask;
        }, ct);
    }

    private static nn.Module<Tensor, Tensor> Build(ModelVersion version)
    {
        try
        {
            // A TorchSharp state dict holds every float32 weight: a smaller file cannot be one, and checking first
            // keeps a mistaken architecture from allocating gigabytes before the load fails.
            var weights = ModelFactory.ParameterCount(version.Architecture, version.InputShape, version.ClassCount);
            if (weights > version.Artifact.SizeBytes / sizeof(float))
            {
                ThrowNotLoadable(version, $"its architecture has {weights} weights, more than the "
                    + $"{version.Artifact.SizeBytes}-byte artifact can hold.");
            }

            return ModelFactory.Create(version.Architecture, version.InputShape, version.ClassCount);
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            ThrowNotLoadable(version, $"the architecture cannot be built: {e.Message}");
            throw; // Not reached: the line above throws.
        }
    }

    // Everything the exported bytes depend on; the format tag changes whenever the export itself does.
    private static string Key(ModelVersion version)
    {
        var text = string.Join('\n', "safetensors-v1", version.Artifact.Sha256,
            JsonFormatter.Default.Format(version.Architecture), string.Join(',', version.InputShape),
            version.ClassCount);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    [DoesNotReturn]
    private static void ThrowNotLoadable(ModelVersion version, string why) =>
        RpcErrors.ThrowFailedPrecondition(RegistryService.Descriptor.FullName, Reason,
            $"The artifact of '{version.Name}' does not load into its declared architecture: {why}",
            new Dictionary<string, string> { ["model_version"] = version.Name });
}
