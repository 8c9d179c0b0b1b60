using System.Security.Cryptography;
using Continuum.Contracts;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using Grpc.Core;

namespace Continuum.Training.Worker;

/// <summary>
/// The worker's side of the registry: downloads base versions and registers results. Registration carries the
/// job's name as request id, so a job that registered and then lost its worker registers nothing twice.
/// </summary>
public sealed class ModelRegistration(PeerChannels peers)
{
    private const int ChunkBytes = 1 << 20;
    private const int MaxAncestry = 1000;

    private RegistryService.RegistryServiceClient Registry => new(peers.For(ServiceCatalog.Registry.Name));

    public async Task<byte[]> DownloadAsync(string versionName, CancellationToken ct)
    {
        using var call = Registry.DownloadModelVersion(
            new DownloadModelVersionRequest { Name = versionName }, cancellationToken: ct);
        using var artifact = new MemoryStream();
        var sha = "";
        while (await call.ResponseStream.MoveNext(ct))
        {
            sha = call.ResponseStream.Current.Sha256;
            call.ResponseStream.Current.Data.WriteTo(artifact);
        }

        var bytes = artifact.ToArray();
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != sha)
        {
            throw new InvalidDataException($"The artifact of {versionName} does not match its SHA-256 {sha}.");
        }

        return bytes;
    }

    /// <summary>
    /// <paramref name="start"/> and then its parent, grandparent and so on, as long as each has the architecture
    /// and class count of the start: the versions whose tasks a continual-learning job builds on.
    /// </summary>
    public async Task<List<ModelVersion>> AncestryAsync(ModelVersion start, CancellationToken ct)
    {
        var chain = new List<ModelVersion> { start };
        var seen = new HashSet<string> { start.Name };
        while (chain[^1].Lineage?.ParentModelVersion is { Length: > 0 } parent && seen.Add(parent)
            && chain.Count < MaxAncestry)
        {
            ModelVersion version;
            try
            {
                version = (await Registry.GetModelVersionAsync(
                    new GetModelVersionRequest { Name = parent }, cancellationToken: ct)).ModelVersion;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                break;
            }

            if (!version.Architecture.Equals(start.Architecture) || version.ClassCount != start.ClassCount)
            {
                break;
            }

            chain.Add(version);
        }

        return chain;
    }

    /// <summary>Registers a version (creating the model when missing) and returns its name.</summary>
    public async Task<string> RegisterAsync(
        string model, ModelVersion version, byte[] artifact, string requestId, CancellationToken ct)
    {
        var modelId = ResourceNames.ParseId(model, "models", "model", "spec.register_model");
        try
        {
            await Registry.CreateRegisteredModelAsync(new CreateRegisteredModelRequest
            {
                ModelId = modelId,
                RegisteredModel = new RegisteredModel { Description = "Registered by Continuum training jobs." },
            }, cancellationToken: ct);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
        {
        }

        using var call = Registry.CreateModelVersion(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new CreateModelVersionRequest
        {
            Metadata = new ModelVersionUpload
            {
                Parent = model,
                ModelVersion = version,
                ArtifactSha256 = Convert.ToHexStringLower(SHA256.HashData(artifact)),
                ArtifactSizeBytes = artifact.Length,
                RequestId = requestId,
            },
        }, ct);
        for (var offset = 0; offset < artifact.Length; offset += ChunkBytes)
        {
            await call.RequestStream.WriteAsync(new CreateModelVersionRequest
            {
                Chunk = ByteString.CopyFrom(artifact, offset, Math.Min(ChunkBytes, artifact.Length - offset)),
            }, ct);
        }

        await call.RequestStream.CompleteAsync();
        return (await call.ResponseAsync).ModelVersion.Name;
    }
}
