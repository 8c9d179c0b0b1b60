using Continuum.Registry.Artifacts;
using Continuum.Registry.Storage;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Continuum.Registry;

public sealed partial class RegistryGrpcService
{
    public override async Task<CreateModelVersionResponse> CreateModelVersion(
        IAsyncStreamReader<CreateModelVersionRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct)
            || requestStream.Current.PayloadCase != CreateModelVersionRequest.PayloadOneofCase.Metadata)
        {
            RpcErrors.ThrowInvalidArgument("metadata", "the first message of an upload must carry the metadata.");
        }

        var upload = requestStream.Current.Metadata;
        var model = ModelNames.ParseModel(upload.Parent, "metadata.parent");
        ModelValidation.Upload(upload);
        await RequireModelAsync(model, ct);
        if (upload.ModelVersion.Lineage?.ParentModelVersion is { Length: > 0 } parent)
        {
            await RequireVersionAsync(ModelNames.ParseVersion(parent,
                "metadata.model_version.lineage.parent_model_version", allowLatest: false), ct);
        }

        return await versions.CreateAsync(model, upload, requestStream, ct);
    }

    public override async Task<GetModelVersionResponse> GetModelVersion(
        GetModelVersionRequest request, ServerCallContext context)
    {
        var reference = ModelNames.ParseVersion(request.Name, "name");

        var found = await repository.GetVersionWithAliasesAsync(reference.Model, reference.Number,
            context.CancellationToken);
        if (found is not { } version)
        {
            throw await VersionNotFoundAsync(reference, context.CancellationToken);
        }

        return new GetModelVersionResponse { ModelVersion = ModelMapper.ToProto(version.Row, version.Aliases) };
    }

    public override async Task<ListModelVersionsResponse> ListModelVersions(
        ListModelVersionsRequest request, ServerCallContext context)
    {
        var id = ModelNames.ParseModel(request.Parent, "parent");
        var size = Paging.Size(request.PageSize);
        var after = Paging.After(request.PageToken) is { } token ? ParseAfter(token) : 0;

        await RequireModelAsync(id, context.CancellationToken);
        var rows = await repository.ListVersionsAsync(id, after, size + 1, context.CancellationToken);
        var aliases = (await repository.ListAliasesAsync([id], context.CancellationToken)).ToLookup(a => a.Version);

        var response = new ListModelVersionsResponse
        {
            ModelVersions =
            {
                rows.Take(size).Select(r => ModelMapper.ToProto(r, aliases[r.Version].Select(a => a.Alias))),
            },
        };
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token(
                rows[size - 1].Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return response;
    }

    public override async Task<Empty> DeleteModelVersion(DeleteModelVersionRequest request, ServerCallContext context)
    {
        var reference = ModelNames.ParseVersion(request.Name, "name", allowLatest: false);
        var name = ModelNames.Version(reference.Model, reference.Number!.Value);

        var result = await repository.DeleteVersionAsync(reference.Model, reference.Number.Value, ModelMapper.Now(),
            context.CancellationToken);
        if (!result.Found)
        {
            RpcErrors.ThrowNotFound("model version", name);
        }

        if (result.BlockingAliases.Count > 0)
        {
            var alias = result.BlockingAliases[0];
            RpcErrors.ThrowFailedPrecondition(Domain, "ALIAS_REFERENCES_VERSION",
                $"Alias '{ModelNames.Alias(reference.Model, alias)}' points to '{name}'; move or delete it first.",
                new Dictionary<string, string> { ["alias"] = alias });
        }

        foreach (var blob in result.Orphans)
        {
            await blobs.DeleteAsync(blob, CancellationToken.None);
        }

        return new Empty();
    }

    public override async Task DownloadModelVersion(DownloadModelVersionRequest request,
        IServerStreamWriter<DownloadModelVersionResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var reference = ModelNames.ParseVersion(request.Name, "name");
        if (request.Offset < 0)
        {
            RpcErrors.ThrowInvalidArgument("offset", $"must not be negative, got {request.Offset}.");
        }

        var row = await RequireVersionAsync(reference, ct);
        var safetensors = request.Format == ArtifactFormat.Safetensors;
        var file = safetensors
            ? await SafetensorsAsync(row, ct)
            : new BlobInfo(row.ArtifactSha256, row.ArtifactSize);
        if (request.Offset > file.Size)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange,
                $"offset {request.Offset} is past the end of the {file.Size}-byte artifact."));
        }

        await using var stream = await blobs.OpenReadAsync(file.Sha256, ct);
        stream.Seek(request.Offset, SeekOrigin.Begin);
        var offset = request.Offset;
        // The next chunk is read from the disk while the current one is sent, so a cold download costs the slower
        // of the two rather than their sum.
        Task<ReadOnlyMemory<byte>>? next = ReadChunkAsync(stream, file.Size - offset, ct);
        try
        {
            do
            {
                var chunk = await next;
                var sentUpTo = offset + chunk.Length;
                next = sentUpTo < file.Size ? ReadChunkAsync(stream, file.Size - sentUpTo, ct) : null;
                await responseStream.WriteAsync(new DownloadModelVersionResponse
                {
                    Offset = offset,
                    Data = UnsafeByteOperations.UnsafeWrap(chunk),
                    TotalSizeBytes = file.Size,
                    Sha256 = file.Sha256,
                    Format = safetensors ? ArtifactFormat.Safetensors : ArtifactFormat.Torchsharp,
                }, ct);
                offset = sentUpTo;
            }
            while (next is not null);
        }
        finally
        {
            // A send that failed leaves a read in flight; it must end before the file is closed under it.
            if (next is not null)
            {
                await next.ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadChunkAsync(Stream stream, long left, CancellationToken ct)
    {
        // A new array for each chunk, wrapped rather than copied: the message owns it until it is serialized, and
        // nothing else ever writes to it. Not zeroed: the read fills what is sent.
        var buffer = GC.AllocateUninitializedArray<byte>((int)Math.Min(ChunkStream.MaxChunkBytes, left));
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (read == 0 && left > 0)
        {
            throw new RpcException(new Status(StatusCode.DataLoss, "the stored artifact is shorter than its size."));
        }

        return buffer.AsMemory(0, read);
    }

    /// <summary>The version's weights as a stored safetensors file, exported on first request.</summary>
    private async Task<BlobInfo> SafetensorsAsync(ModelVersionRow row, CancellationToken ct)
    {
        var version = ModelMapper.ToProto(row, []);
        if (version.WeightEncoding == WeightEncoding.Int8)
        {
            // TODO: int8 weights need their scales written beside them (or dequantised) for PyTorch to read
            // them; until then such versions offer only the TorchSharp artifact, which holds everything.
            RpcErrors.ThrowFailedPrecondition(Domain, "FORMAT_NOT_AVAILABLE",
                $"'{version.Name}' has int8 weights, which this registry cannot export as safetensors yet; "
                + "download the TorchSharp artifact.");
        }

        return await SafetensorsExport.GetAsync(blobs, version, ct);
    }

    private async Task<ModelVersionRow> RequireVersionAsync(ModelVersionRef reference, CancellationToken ct) =>
        await repository.GetVersionAsync(reference.Model, reference.Number, ct)
        ?? throw await VersionNotFoundAsync(reference, ct);

    /// <summary>
    /// NotFound for a version that no row was found for, naming the model when the model is what is missing.
    /// Asked only after the version's row is missing, so finding a version takes one query, not two.
    /// </summary>
    private async Task<RpcException> VersionNotFoundAsync(ModelVersionRef reference, CancellationToken ct)
    {
        await RequireModelAsync(reference.Model, ct);
        return RpcErrors.NotFound("model version", reference.Number is { } n
            ? ModelNames.Version(reference.Model, n)
            : $"{ModelNames.Model(reference.Model)}/versions/{ModelNames.Latest}");
    }

    private static long ParseAfter(string token) =>
        long.TryParse(token, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
            out var n)
            ? n
            : throw RpcErrors.InvalidArgument(("page_token", "is not a token returned by this call."));
}
