using System.Text.Json;
using Continuum.Data.Analysis;
using Continuum.Data.Content;
using Continuum.Data.V1;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf;
using Grpc.Core;

namespace Continuum.Data;

public sealed partial class DataGrpcService
{
    /// <summary>gRPC's default message limit, which every client has unless it raises its own.</summary>
    public const int MaxBatchMessageBytes = 4 << 20;

    // Room for the other fields of a batch message, and the most a packed int64 label can take.
    private const int BatchOverheadBytes = 1024;
    private const int MaxLabelBytes = 10;

    public override async Task ReadBatches(
        ReadBatchesRequest request, IServerStreamWriter<ReadBatchesResponse> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var reference = DatasetNames.ParseVersion(request.Name, "name");
        if (request.Split == Split.Unspecified)
        {
            RpcErrors.ThrowInvalidArgument("split", "name the split to read: train, test or validation.");
        }

        var dataset = await RequireDatasetAsync(reference.Dataset, ct);
        var classes = ValidateClasses(request.Classes, dataset.ClassCount, "classes", required: false);
        // Checked from the schema, before the version is loaded: a bad request should not cost a decode.
        var schemaShape = JsonSerializer.Deserialize<int[]>(dataset.InputShape)!;
        var rowBytes = schemaShape.Aggregate(1, (a, d) => a * d) * sizeof(float);
        var maxBatch = (MaxBatchMessageBytes - BatchOverheadBytes) / (rowBytes + MaxLabelBytes);
        if (request.BatchSize <= 0 || request.BatchSize > maxBatch)
        {
            RpcErrors.ThrowInvalidArgument("batch_size",
                $"must be between 1 and {maxBatch} for this schema (one batch fits a 4 MiB message), "
                + $"got {request.BatchSize}.");
        }

        var row = await RequireVersionAsync(reference, ct);
        var content = await LoadContentAsync(row, ct);
        var split = content.Get(request.Split);
        if (split is null)
        {
            RpcErrors.ThrowNotFound("split", $"{DatasetNames.Version(row.Dataset, row.Version)} {request.Split}");
        }

        var indices = Shuffle.Indices(split, classes.Count == 0 ? null : classes, request.Shuffle, request.Seed);
        var shape = content.InputShape;
        for (long batch = 0, start = 0; start < indices.Length; batch++, start += request.BatchSize)
        {
            var count = (int)Math.Min(request.BatchSize, indices.Length - start);
            var features = new byte[count * rowBytes];
            var labels = new long[count];
            for (var i = 0; i < count; i++)
            {
                var index = indices[start + i];
                labels[i] = split.Labels[index];
                DatasetContent.CopyLittleEndian(split.Row(index, content.FeatureCount),
                    features.AsSpan(i * rowBytes, rowBytes));
            }

            await responseStream.WriteAsync(new ReadBatchesResponse
            {
                BatchIndex = batch,
                ExampleCount = count,
                InputShape = { shape },
                // The array is not touched again, so the message may own it without a copy.
                Features = UnsafeByteOperations.UnsafeWrap(features),
                Labels = { labels },
                TotalExamples = indices.Length,
            }, ct);
        }
    }

    public override async Task<CompareDatasetVersionsResponse> CompareDatasetVersions(
        CompareDatasetVersionsRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var baseRef = DatasetNames.ParseVersion(request.BaseVersion, "base_version");
        var targetRef = DatasetNames.ParseVersion(request.TargetVersion, "target_version");
        var threshold = request.HasDriftThreshold ? request.DriftThreshold : Ingest.VersionStore.DefaultDriftThreshold;
        if (!double.IsFinite(threshold) || threshold < 0)
        {
            RpcErrors.ThrowInvalidArgument("drift_threshold", $"must be a finite number >= 0, got {threshold}.");
        }

        var split = request.Split == Split.Unspecified ? Split.Train : request.Split;
        var baseDataset = await RequireDatasetAsync(baseRef.Dataset, ct);
        var targetDataset = await RequireDatasetAsync(targetRef.Dataset, ct);
        if (baseDataset.InputShape != targetDataset.InputShape || baseDataset.ClassCount != targetDataset.ClassCount)
        {
            RpcErrors.ThrowFailedPrecondition(ServiceCatalogName, "SCHEMA_MISMATCH",
                "The two versions' datasets have different schemas; only versions of one schema can be compared.");
        }

        var baseRow = await RequireVersionAsync(baseRef, ct);
        var targetRow = await RequireVersionAsync(targetRef, ct);
        var before = await LoadContentAsync(baseRow, ct);
        var after = await LoadContentAsync(targetRow, ct);

        var comparison = Checked(() =>
            VersionComparer.Compare(before, after, split, baseDataset.ClassCount, threshold));

        comparison.BaseVersion = DatasetNames.Version(baseRow.Dataset, baseRow.Version);
        comparison.TargetVersion = DatasetNames.Version(targetRow.Dataset, targetRow.Version);
        return new CompareDatasetVersionsResponse { Comparison = comparison };
    }
}
