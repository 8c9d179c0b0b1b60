using System.Text.Json;
using Continuum.Data.Ingest;
using Continuum.Data.Storage;
using Continuum.Data.V1;
using Continuum.ServiceDefaults;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Continuum.Data;

/// <summary>
/// The data service's gRPC endpoint: datasets here; versions, reading and comparison in the partial files
/// beside it. Each method validates, acts, and maps.
/// </summary>
public sealed partial class DataGrpcService(
    DatasetRepository repository, VersionStore versions, ContentCache cache, IBlobStore blobs,
    IOptions<ContinuumOptions> options) : DataService.DataServiceBase
{
    private const int MaxDimensions = 8;
    private const int MaxFeatures = 1 << 24;
    private const int MaxClasses = 100_000;
    private const int MaxDescription = 10_000;

    public override async Task<CreateDatasetResponse> CreateDataset(
        CreateDatasetRequest request, ServerCallContext context)
    {
        var id = ResourceIds.Require(request.DatasetId, "dataset_id");
        var dataset = request.Dataset ?? new Dataset();
        ValidateDescription(dataset.Description, "dataset.description");
        ValidateSchema(dataset.Schema);

        var now = DateTimeOffset.UtcNow.ToString("O");
        var row = new DatasetRow
        {
            Id = id,
            Description = dataset.Description,
            InputShape = JsonSerializer.Serialize(dataset.Schema.InputShape.ToArray()),
            ClassCount = dataset.Schema.ClassCount,
            ClassNames = JsonSerializer.Serialize(dataset.Schema.ClassNames.ToArray()),
            CreateTime = now,
            UpdateTime = now,
        };
        if (!await repository.InsertDatasetAsync(row, context.CancellationToken))
        {
            RpcErrors.ThrowAlreadyExists("dataset", DatasetNames.Dataset(id));
        }

        return new CreateDatasetResponse { Dataset = ToProto(row) };
    }

    public override async Task<GetDatasetResponse> GetDataset(GetDatasetRequest request, ServerCallContext context)
    {
        var id = DatasetNames.ParseDataset(request.Name, "name");

        var row = await RequireDatasetAsync(id, context.CancellationToken);

        return new GetDatasetResponse { Dataset = ToProto(row) };
    }

    public override async Task<ListDatasetsResponse> ListDatasets(
        ListDatasetsRequest request, ServerCallContext context)
    {
        var size = Paging.Size(request.PageSize);
        var after = Paging.After(request.PageToken);

        var rows = await repository.ListDatasetsAsync(after, size + 1, context.CancellationToken);

        var response = new ListDatasetsResponse { Datasets = { rows.Take(size).Select(ToProto) } };
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token(rows[size - 1].Id);
        }

        return response;
    }

    public override async Task<UpdateDatasetResponse> UpdateDataset(
        UpdateDatasetRequest request, ServerCallContext context)
    {
        var patch = request.Dataset ?? new Dataset();
        var id = DatasetNames.ParseDataset(patch.Name, "dataset.name");
        var paths = request.UpdateMask?.Paths.ToList() is { Count: > 0 } given
            ? given
            : ["description", "schema.class_names"];
        foreach (var path in paths.Where(p => p is not ("description" or "schema.class_names")))
        {
            RpcErrors.ThrowInvalidArgument("update_mask",
                $"'{path}' cannot be changed; only description and schema.class_names can.");
        }

        var row = await RequireDatasetAsync(id, context.CancellationToken);
        var description = paths.Contains("description") ? patch.Description : row.Description;
        ValidateDescription(description, "dataset.description");
        var classNames = row.ClassNames;
        if (paths.Contains("schema.class_names"))
        {
            var names = patch.Schema?.ClassNames.ToArray() ?? [];
            ValidateClassNames(names, row.ClassCount, "dataset.schema.class_names");
            classNames = JsonSerializer.Serialize(names);
        }

        if (!await repository.UpdateDatasetAsync(id, description, classNames, DateTimeOffset.UtcNow.ToString("O"),
            context.CancellationToken))
        {
            RpcErrors.ThrowNotFound("dataset", DatasetNames.Dataset(id));
        }

        return new UpdateDatasetResponse
        {
            Dataset = ToProto((await repository.GetDatasetAsync(id, context.CancellationToken))!),
        };
    }

    public override async Task<Empty> DeleteDataset(DeleteDatasetRequest request, ServerCallContext context)
    {
        var id = DatasetNames.ParseDataset(request.Name, "name");
        var row = await RequireDatasetAsync(id, context.CancellationToken);
        if (row.VersionCount > 0 && !request.Force)
        {
            RpcErrors.ThrowFailedPrecondition(ServiceCatalogName, "DATASET_HAS_VERSIONS",
                $"Dataset '{DatasetNames.Dataset(id)}' has {row.VersionCount} version(s); "
                + "set force to delete them too.");
        }

        var orphans = await repository.DeleteDatasetAsync(id, context.CancellationToken);
        foreach (var blob in orphans)
        {
            await blobs.DeleteAsync(blob, CancellationToken.None);
        }

        return new Empty();
    }

    private static string ServiceCatalogName => DataService.Descriptor.FullName;

    private async Task<DatasetRow> RequireDatasetAsync(string id, CancellationToken ct)
    {
        var row = await repository.GetDatasetAsync(id, ct);
        if (row is null)
        {
            RpcErrors.ThrowNotFound("dataset", DatasetNames.Dataset(id));
        }

        return row;
    }

    private static void ValidateSchema(DatasetSchema? schema)
    {
        if (schema is null)
        {
            RpcErrors.ThrowInvalidArgument("dataset.schema", "is required: the input shape and the number of classes.");
        }

        if (schema.InputShape.Count is 0 or > MaxDimensions || schema.InputShape.Any(d => d <= 0))
        {
            RpcErrors.ThrowInvalidArgument("dataset.schema.input_shape",
                $"needs 1 to {MaxDimensions} positive dimensions, got [{string.Join(", ", schema.InputShape)}].");
        }

        if (schema.InputShape.Aggregate(1L, (a, d) => a * d) > MaxFeatures)
        {
            RpcErrors.ThrowInvalidArgument("dataset.schema.input_shape",
                $"holds more than {MaxFeatures} values per example.");
        }

        if (schema.ClassCount is < 2 or > MaxClasses)
        {
            RpcErrors.ThrowInvalidArgument("dataset.schema.class_count",
                $"must be between 2 and {MaxClasses}, got {schema.ClassCount}.");
        }

        ValidateClassNames(schema.ClassNames, schema.ClassCount, "dataset.schema.class_names");
    }

    private static void ValidateClassNames(IReadOnlyCollection<string> names, int classCount, string field)
    {
        if (names.Count != 0 && names.Count != classCount)
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"has {names.Count} names; give none or one per class ({classCount}).");
        }

        if (names.Any(n => n.Length is 0 or > 200 || n.Any(char.IsControl)))
        {
            RpcErrors.ThrowInvalidArgument(field, "each name is 1 to 200 characters without control characters.");
        }

        // A CSV or JSON lines label may be a class name or a number: both must say one thing.
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
        {
            RpcErrors.ThrowInvalidArgument(field, "names a class twice; each class needs a name of its own.");
        }

        var number = names.FirstOrDefault(
            n => long.TryParse(n, System.Globalization.CultureInfo.InvariantCulture, out _));
        if (number is not null)
        {
            RpcErrors.ThrowInvalidArgument(field,
                $"'{number}' is a number; a label that is a number is a class index.");
        }
    }

    private static void ValidateDescription(string description, string field)
    {
        if (description.Length > MaxDescription)
        {
            RpcErrors.ThrowInvalidArgument(field, $"is longer than {MaxDescription} characters.");
        }
    }

    private static Dataset ToProto(DatasetRow row) => new()
    {
        Name = DatasetNames.Dataset(row.Id),
        Description = row.Description,
        Schema = new DatasetSchema
        {
            InputShape = { JsonSerializer.Deserialize<int[]>(row.InputShape)! },
            ClassCount = row.ClassCount,
            ClassNames = { JsonSerializer.Deserialize<string[]>(row.ClassNames)! },
        },
        CreateTime = Timestamp.FromDateTimeOffset(
            DateTimeOffset.Parse(row.CreateTime, System.Globalization.CultureInfo.InvariantCulture)),
        UpdateTime = Timestamp.FromDateTimeOffset(
            DateTimeOffset.Parse(row.UpdateTime, System.Globalization.CultureInfo.InvariantCulture)),
        LatestVersion = row.LatestVersion > 0 ? DatasetNames.Version(row.Id, row.LatestVersion) : "",
        VersionCount = row.VersionCount,
    };
}
