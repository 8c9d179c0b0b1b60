using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using ModelVersionCreated = Continuum.Events.V1.ModelVersionCreated;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Continuum.Registry.Artifacts;

/// <summary>
/// Turns an upload into a version: stores the artifact through the blob store, which checks the declared digest
/// and size, then inserts the row that numbers it and makes it visible, with the ModelVersionCreated change that
/// the journal publishes. A failure at any step leaves no row and no blob of its own.
/// </summary>
public sealed partial class ModelVersionStore(
    ModelRepository repository, IBlobStore blobs, ILogger<ModelVersionStore> logger)
{
    public async Task<CreateModelVersionResponse> CreateAsync(
        string model, ModelVersionUpload upload, IAsyncStreamReader<CreateModelVersionRequest> requests,
        CancellationToken ct)
    {
        var requestId = upload.RequestId.Length > 0 ? upload.RequestId : null;
        if (requestId is not null && await repository.FindByRequestAsync(model, requestId, ct) is { } earlier)
        {
            // Read the rest so the client finishes its upload normally; nothing of it is kept.
            while (await requests.MoveNext(ct))
            {
            }

            return new CreateModelVersionResponse
            {
                ModelVersion = await ReadAsync(earlier, ct), AlreadyExisted = true,
            };
        }

        var stored = await PutAsync(upload, requests, ct);
        try
        {
            var now = DateTimeOffset.UtcNow;
            var parent = upload.ModelVersion.Lineage?.ParentModelVersion is { Length: > 0 } p
                ? ModelNames.ParseVersion(p, "metadata.model_version.lineage.parent_model_version", allowLatest: false)
                : (ModelVersionRef?)null;
            var inserted = await repository.InsertVersionAsync(model, stored.Sha256, stored.Size, requestId, parent,
                number => JsonFormatter.Default.Format(Complete(upload, model, number, now)),
                number => ToEvent(Complete(upload, model, number, now), model), now.ToString("O"), ct);
            if (inserted is null)
            {
                RpcErrors.ThrowNotFound("model", ModelNames.Model(model));
            }

            var (row, created) = inserted.Value;

            if (!created)
            {
                await DeleteUnreferencedAsync(stored.Sha256);
                return new CreateModelVersionResponse
                {
                    ModelVersion = await ReadAsync(row, ct), AlreadyExisted = true,
                };
            }

            var version = ModelMapper.ToProto(row, []);
            LogCreated(version.Name, stored.Sha256, stored.Size);
            return new CreateModelVersionResponse { ModelVersion = version };
        }
        catch
        {
            // TODO: an identical artifact stored by a concurrent upload that has not committed yet could be
            // removed here; reference-counted blob claims would close that window. Rare: the same bytes at once.
            await DeleteUnreferencedAsync(stored.Sha256);
            throw;
        }
    }

    /// <summary>Stores the chunks as a blob; a digest or size unlike the metadata's is InvalidArgument.</summary>
    private async Task<BlobInfo> PutAsync(
        ModelVersionUpload upload, IAsyncStreamReader<CreateModelVersionRequest> requests, CancellationToken ct)
    {
        await using var chunks = new ChunkStream(requests, upload.ArtifactSizeBytes);
        try
        {
            return await blobs.PutAsync(chunks, upload.ArtifactSha256, upload.ArtifactSizeBytes, ct);
        }
        catch (BlobMismatchException)
        {
            if (chunks.Received != upload.ArtifactSizeBytes)
            {
                throw RpcErrors.InvalidArgument(("metadata.artifact_size_bytes",
                    $"announced {upload.ArtifactSizeBytes} bytes but {chunks.Received} arrived."));
            }

            throw RpcErrors.InvalidArgument(("metadata.artifact_sha256",
                $"the {chunks.Received} bytes received do not hash to {upload.ArtifactSha256}."));
        }
    }

    private async Task<ModelVersion> ReadAsync(ModelVersionRow row, CancellationToken ct)
    {
        var aliases = await repository.ListAliasesAsync([row.Model], ct);
        return ModelMapper.ToProto(row, aliases.Where(a => a.Version == row.Version).Select(a => a.Alias));
    }

    private static ModelVersion Complete(ModelVersionUpload upload, string model, long number, DateTimeOffset now)
    {
        var version = upload.ModelVersion.Clone();
        version.Name = ModelNames.Version(model, number);
        version.VersionNumber = number;
        version.State = ModelVersionState.Ready;
        version.CreateTime = Timestamp.FromDateTimeOffset(now);
        version.CreatedBy = "";
        version.Aliases.Clear();
        version.Artifact = new Artifact
        {
            Sha256 = upload.ArtifactSha256, SizeBytes = upload.ArtifactSizeBytes, Format = ArtifactFormat.Torchsharp,
        };
        return version;
    }

    private async Task DeleteUnreferencedAsync(string sha256)
    {
        foreach (var orphan in await repository.UnreferencedAsync([sha256], CancellationToken.None))
        {
            await blobs.DeleteAsync(orphan, CancellationToken.None);
        }
    }

    private static ModelVersionCreated ToEvent(ModelVersion version, string model)
    {
        var lineage = version.Lineage ?? new ModelVersionLineage();
        return new ModelVersionCreated
        {
            EventId = Guid.NewGuid().ToString(),
            OccurredAt = version.CreateTime,
            Model = ModelNames.Model(model),
            ModelVersion = version.Name,
            VersionNumber = version.VersionNumber,
            ArtifactSha256 = version.Artifact.Sha256,
            ArtifactSizeBytes = version.Artifact.SizeBytes,
            ParentModelVersion = lineage.ParentModelVersion,
            TrainingDatasetVersions = { lineage.TrainingDatasetVersions },
            TrainingJob = lineage.TrainingJob,
            CompressionJob = lineage.CompressionJob,
            Study = lineage.Study,
            Policy = lineage.Policy,
            AverageAccuracy = version.Metrics?.AverageAccuracy ?? 0,
            Forgetting = version.Metrics?.Forgetting ?? 0,
            CreatedBy = version.CreatedBy,
        };
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information,
        Message = "Created model version {Version} ({ArtifactSha256}, {SizeBytes} bytes)")]
    private partial void LogCreated(string version, string artifactSha256, long sizeBytes);
}
