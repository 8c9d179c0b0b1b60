using System.Text.Json;
using Continuum.Data.Analysis;
using Continuum.Data.Content;
using Continuum.Data.Formats;
using Continuum.Data.Ingest;
using Continuum.Data.Storage;
using Continuum.Data.V1;
using Continuum.ServiceDefaults.Grpc;
using Grpc.Core;

namespace Continuum.Data;

public sealed partial class DataGrpcService
{
    public override async Task<CreateDatasetVersionResponse> CreateDatasetVersion(
        IAsyncStreamReader<CreateDatasetVersionRequest> requestStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct)
            || requestStream.Current.PayloadCase != CreateDatasetVersionRequest.PayloadOneofCase.Metadata)
        {
            RpcErrors.ThrowInvalidArgument("metadata", "the first message of an upload must carry the metadata.");
        }

        var upload = requestStream.Current.Metadata;
        var dataset = await RequireDatasetAsync(DatasetNames.ParseDataset(upload.Parent, "metadata.parent"), ct);
        var decodeOptions = ValidateUpload(upload, dataset);

        using var staging = new UploadStaging(UploadStaging.RootFor(options.Value),
            upload.Files);
        await staging.ReceiveAsync(requestStream, ct);
        var content = await DecodeAsync(upload.Format, staging.Files, decodeOptions, ct);
        var template = new DatasetVersion
        {
            Description = upload.Description,
            Format = upload.Format,
            SourceFiles = { staging.SourceFiles },
        };
        var recipe = DecodeRecipe.From(upload.Format, decodeOptions,
            staging.SourceFiles.Select(f => new RecipeFile(f.FileName, f.Split, f.Role, f.Sha256)));
        var paths = staging.SourceFiles.Select((_, i) => staging.PathOf(i)).ToList();
        var (version, existed) = await versions.StoreAsync(dataset, content, template, (paths, recipe), ct);

        return new CreateDatasetVersionResponse { DatasetVersion = version, AlreadyExisted = existed };
    }

    public override async Task<GetDatasetVersionResponse> GetDatasetVersion(
        GetDatasetVersionRequest request, ServerCallContext context)
    {
        var reference = DatasetNames.ParseVersion(request.Name, "name");

        var row = await RequireVersionAsync(reference, context.CancellationToken);

        return new GetDatasetVersionResponse { DatasetVersion = VersionMapper.ToProto(row) };
    }

    public override async Task<ListDatasetVersionsResponse> ListDatasetVersions(
        ListDatasetVersionsRequest request, ServerCallContext context)
    {
        var id = DatasetNames.ParseDataset(request.Parent, "parent");
        var size = Paging.Size(request.PageSize);
        var after = Paging.After(request.PageToken) is { } token && long.TryParse(token, out var n) ? n : 0;
        var prefix = request.ContentSha256Prefix;
        if (prefix.Any(c => c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) || prefix.Length > 64)
        {
            RpcErrors.ThrowInvalidArgument("content_sha256_prefix", "is up to 64 lowercase hexadecimal digits.");
        }

        await RequireDatasetAsync(id, context.CancellationToken);
        var rows = await repository.ListVersionsAsync(id, after, size + 1, prefix, context.CancellationToken);

        var response = new ListDatasetVersionsResponse
        {
            DatasetVersions = { rows.Take(size).Select(VersionMapper.ToProto) },
        };
        if (rows.Count > size)
        {
            response.NextPageToken = Paging.Token(
                rows[size - 1].Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return response;
    }

    public override async Task<CreateDerivedDatasetVersionResponse> CreateDerivedDatasetVersion(
        CreateDerivedDatasetVersionRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var dataset = await RequireDatasetAsync(DatasetNames.ParseDataset(request.Parent, "parent"), ct);
        ValidateDescription(request.Description, "description");

        var (content, derivation) = request.DerivationCase switch
        {
            CreateDerivedDatasetVersionRequest.DerivationOneofCase.SelectClasses =>
                await SelectAsync(request.SelectClasses, dataset, ct),
            CreateDerivedDatasetVersionRequest.DerivationOneofCase.Sample =>
                await SampleAsync(request.Sample, dataset, ct),
            CreateDerivedDatasetVersionRequest.DerivationOneofCase.UnionOf =>
                await UnionAsync(request.UnionOf, dataset, ct),
            _ => throw RpcErrors.InvalidArgument(("derivation", "set one of select_classes, sample or union_of.")),
        };
        var template = new DatasetVersion { Description = request.Description, Derivation = derivation };
        var (version, existed) = await versions.StoreAsync(dataset, content, template, upload: null, ct);

        return new CreateDerivedDatasetVersionResponse { DatasetVersion = version, AlreadyExisted = existed };
    }

    private async Task<(DatasetContent, Derivation)> SelectAsync(
        SelectClassesDerivation select, DatasetRow dataset, CancellationToken ct)
    {
        var classes = ValidateClasses(select.Classes, dataset.ClassCount, "select_classes.classes", required: true);
        var (source, name) = await LoadSourceAsync(select.SourceVersion, "select_classes.source_version", dataset, ct);
        var content = Derivations.SelectClasses(source, classes);
        return (content, new Derivation
        {
            Kind = DerivationKind.SelectClasses, SourceVersions = { name }, Classes = { classes.Order() },
        });
    }

    private async Task<(DatasetContent, Derivation)> SampleAsync(
        SampleDerivation sample, DatasetRow dataset, CancellationToken ct)
    {
        int? perClass =
            sample.SizeCase == SampleDerivation.SizeOneofCase.ExamplesPerClass ? sample.ExamplesPerClass : null;
        int? total = sample.SizeCase == SampleDerivation.SizeOneofCase.TotalExamples ? sample.TotalExamples : null;
        if ((perClass ?? total) is not > 0)
        {
            RpcErrors.ThrowInvalidArgument(
                perClass is not null ? "sample.examples_per_class"
                : total is not null ? "sample.total_examples" : "sample.size",
                "set examples_per_class or total_examples to a positive number.");
        }

        if (sample.Uniform && perClass is not null)
        {
            RpcErrors.ThrowInvalidArgument("sample.uniform", "goes with total_examples, not examples_per_class.");
        }

        var (source, name) = await LoadSourceAsync(sample.SourceVersion, "sample.source_version", dataset, ct);
        var splits = sample.Splits.ToHashSet();
        var content = Checked(() => Derivations.Sample(source, perClass, total, sample.Seed, splits, sample.Uniform));
        return (content, new Derivation
        {
            Kind = DerivationKind.Sample,
            SourceVersions = { name },
            ExamplesPerClass = perClass ?? 0,
            TotalExamples = total ?? 0,
            Seed = sample.Seed,
            Splits = { splits.Count == 0 ? [Split.Train] : splits.Order() },
            Uniform = sample.Uniform,
        });
    }

    private async Task<(DatasetContent, Derivation)> UnionAsync(
        UnionDerivation union, DatasetRow dataset, CancellationToken ct)
    {
        if (union.SourceVersions.Count < 2)
        {
            RpcErrors.ThrowInvalidArgument("union_of.source_versions", "names at least two source versions.");
        }

        var sources = new List<DatasetContent>();
        var names = new List<string>();
        for (var i = 0; i < union.SourceVersions.Count; i++)
        {
            var (source, name) = await LoadSourceAsync(union.SourceVersions[i], $"union_of.source_versions[{i}]",
                dataset, ct);
            sources.Add(source);
            names.Add(name);
        }

        var content = Checked(() => Derivations.Union(sources));
        return (content, new Derivation { Kind = DerivationKind.Union, SourceVersions = { names } });
    }

    /// <summary>Checks the upload's metadata against the dataset before any byte of data is accepted.</summary>
    private static DecodeOptions ValidateUpload(DatasetVersionUpload upload, DatasetRow dataset)
    {
        if (upload.Format == DataFormat.Unspecified)
        {
            RpcErrors.ThrowInvalidArgument("metadata.format", "name the format: idx, csv or jsonl.");
        }

        if (upload.Files.Count == 0)
        {
            RpcErrors.ThrowInvalidArgument("metadata.files", "announce the files that follow.");
        }

        for (var i = 0; i < upload.Files.Count; i++)
        {
            var file = upload.Files[i];
            // A name, not a path: it is shown to people and must never be mistaken for a place on disk.
            if (file.FileName.Length is 0 or > 255 || file.FileName.Any(char.IsControl)
                || file.FileName.IndexOfAny(['/', '\\']) >= 0 || file.FileName is "." or "..")
            {
                RpcErrors.ThrowInvalidArgument($"metadata.files[{i}].file_name",
                    "is a file name of 1 to 255 characters, without path separators or control characters.");
            }

            if (file.SizeBytes < 0)
            {
                RpcErrors.ThrowInvalidArgument($"metadata.files[{i}].size_bytes",
                    $"must not be negative, got {file.SizeBytes}.");
            }
        }

        ValidateDescription(upload.Description, "metadata.description");
        var divisor = upload.HasValueDivisor ? upload.ValueDivisor : DecodeOptions.DefaultValueDivisor(upload.Format);
        if (!double.IsFinite(divisor) || divisor <= 0 || divisor > float.MaxValue)
        {
            RpcErrors.ThrowInvalidArgument("metadata.value_divisor", $"must be positive and finite, got {divisor}.");
        }

        // IDX pixels reach 255: a divisor that small makes them infinite, which no model can learn from.
        if (upload.Format == DataFormat.Idx && !float.IsFinite(255f / (float)divisor))
        {
            RpcErrors.ThrowInvalidArgument("metadata.value_divisor",
                $"{divisor} turns pixel values up to 255 into infinity; use a larger divisor.");
        }

        return new DecodeOptions
        {
            InputShape = JsonSerializer.Deserialize<int[]>(dataset.InputShape)!,
            ClassCount = dataset.ClassCount,
            ClassNames = JsonSerializer.Deserialize<string[]>(dataset.ClassNames)!,
            KeepClasses = ValidateClasses(upload.KeepClasses, dataset.ClassCount, "metadata.keep_classes",
                required: false),
            ValueDivisor = (float)divisor,
            Csv = upload.Csv ?? new CsvOptions(),
            Jsonl = upload.Jsonl ?? new JsonlOptions(),
        };
    }

    /// <summary>Decodes on the thread pool: a large upload is seconds of CPU work.</summary>
    private static Task<DatasetContent> DecodeAsync(
        DataFormat format, IReadOnlyList<UploadedFile> files, DecodeOptions decodeOptions, CancellationToken ct) =>
        Task.Run(() => Checked(() => DatasetDecoder.Decode(format, files, decodeOptions, ct), "metadata."), ct);

    /// <summary>A source version's content; its dataset's schema must be the target dataset's.</summary>
    private async Task<(DatasetContent Content, string Name)> LoadSourceAsync(
        string sourceName, string field, DatasetRow target, CancellationToken ct)
    {
        var reference = DatasetNames.ParseVersion(sourceName, field);
        var row = await RequireVersionAsync(reference, ct);
        var sourceDataset = await RequireDatasetAsync(reference.Dataset, ct);
        if (sourceDataset.InputShape != target.InputShape || sourceDataset.ClassCount != target.ClassCount)
        {
            RpcErrors.ThrowFailedPrecondition(ServiceCatalogName, "SCHEMA_MISMATCH",
                $"{DatasetNames.Dataset(sourceDataset.Id)} has shape {sourceDataset.InputShape} "
                + $"and {sourceDataset.ClassCount} classes; "
                + $"{DatasetNames.Dataset(target.Id)} has shape {target.InputShape} and {target.ClassCount} classes.");
        }

        return (await LoadContentAsync(row, ct), DatasetNames.Version(row.Dataset, row.Version));
    }

    /// <summary>
    /// A version's examples; stored data that cannot be read back is DataLoss, not the caller's fault.
    /// </summary>
    private async Task<DatasetContent> LoadContentAsync(VersionRow row, CancellationToken ct)
    {
        try
        {
            return await cache.GetAsync(row, ct);
        }
        catch (Exception e) when (e is InvalidDataException or ServiceDefaults.Blobs.BlobNotFoundException)
        {
            throw new RpcException(new Status(StatusCode.DataLoss,
                $"The stored data of {DatasetNames.Version(row.Dataset, row.Version)} cannot be read back: "
                + e.Message));
        }
    }

    private async Task<VersionRow> RequireVersionAsync(VersionRef reference, CancellationToken ct)
    {
        await RequireDatasetAsync(reference.Dataset, ct);
        var row = await repository.GetVersionAsync(reference.Dataset, reference.Number, ct);
        if (row is null)
        {
            RpcErrors.ThrowNotFound("dataset version", reference.Number is { } n
                ? DatasetNames.Version(reference.Dataset, n)
                : $"{DatasetNames.Dataset(reference.Dataset)}/versions/{DatasetNames.Latest}");
        }

        return row;
    }

    private static HashSet<int> ValidateClasses(IEnumerable<int> classes, int classCount, string field, bool required)
    {
        var set = classes.ToHashSet();
        if (required && set.Count == 0)
        {
            RpcErrors.ThrowInvalidArgument(field, "names at least one class.");
        }

        foreach (var c in set.Where(c => c < 0 || c >= classCount))
        {
            RpcErrors.ThrowInvalidArgument(field, $"class {c} is outside the schema's 0 to {classCount - 1}.");
        }

        return set;
    }

    /// <summary>Runs content work, answering a data problem as InvalidArgument on its field.</summary>
    private static T Checked<T>(Func<T> work, string fieldPrefix = "")
    {
        try
        {
            return work();
        }
        catch (DataValidationException e)
        {
            throw RpcErrors.InvalidArgument((fieldPrefix + e.Field, e.Description));
        }
    }
}
