using Continuum.Contracts;
using Continuum.Data.V1;
using Continuum.Ml;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.V1;
using Grpc.Core;

namespace Continuum.Training.Jobs;

/// <summary>
/// Checks every field of a training spec and resolves its dataset and model references through the data
/// service and the registry, so that a job is queued only when a worker can run it. Field paths in errors
/// start at the request's <c>training_job.spec</c>.
/// </summary>
public sealed partial class SpecValidator(PeerChannels peers)
{
    public const int MaxDatasetVersions = 64;
    public const int MaxBatchSize = 65_536;
    public const int MaxEpochs = 10_000;
    public const long MaxParameters = 200_000_000;

    public async Task<ResolvedSpec> ResolveAsync(TrainingSpec? spec, string field, CancellationToken ct)
    {
        if (spec is null)
        {
            RpcErrors.ThrowInvalidArgument(field, "is required.");
        }

        var resolved = spec.Clone();
        CheckHyperparameters(resolved, field);

        if (resolved.TrainingDatasetVersions.Count is 0 or > MaxDatasetVersions)
        {
            RpcErrors.ThrowInvalidArgument($"{field}.training_dataset_versions",
                $"names 1 to {MaxDatasetVersions} dataset versions, got {resolved.TrainingDatasetVersions.Count}.");
        }

        var data = new DataService.DataServiceClient(peers.For(ServiceCatalog.Data.Name));
        var training = await ResolveVersionsAsync(data, resolved.TrainingDatasetVersions,
            $"{field}.training_dataset_versions", ct);
        var schema = await SchemaAsync(data, training[0].Name, ct);

        var baseVersion = await ResolveBaseAsync(resolved, schema, field, ct);
        if (resolved.EvaluationDatasetVersions.Count == 0)
        {
            resolved.EvaluationDatasetVersions.Add(DefaultEvaluation(baseVersion, training));
        }

        if (resolved.EvaluationDatasetVersions.Count == 0)
        {
            // Every result is registered with its test accuracies, which gates and the accuracy matrix compare.
            RpcErrors.ThrowInvalidArgument($"{field}.evaluation_dataset_versions",
                $"is empty, and no training version has a test split to evaluate on "
                + $"({string.Join(", ", training.Select(v => v.Name))}): upload the data with its test split, "
                + "or name a version that has one.");
        }

        if (resolved.EvaluationDatasetVersions.Count > MaxDatasetVersions)
        {
            RpcErrors.ThrowInvalidArgument($"{field}.evaluation_dataset_versions",
                $"names at most {MaxDatasetVersions} dataset versions.");
        }

        var evaluation = await ResolveVersionsAsync(data, resolved.EvaluationDatasetVersions,
            $"{field}.evaluation_dataset_versions", ct);
        for (var i = 0; i < evaluation.Count; i++)
        {
            if (!evaluation[i].Splits.Any(s => s.Split == Split.Test && s.ExampleCount > 0))
            {
                RpcErrors.ThrowInvalidArgument($"{field}.evaluation_dataset_versions[{i}]",
                    $"{evaluation[i].Name} has no test split to evaluate on.");
            }
        }

        await RequireSameSchemaAsync(data, schema, training.Concat(evaluation), field, ct);
        CheckArchitecture(resolved, schema, field);
        CheckFrozenLayers(resolved, schema, baseVersion, field);
        CheckRegisterModel(resolved.RegisterModel, $"{field}.register_model");
        await CheckStrategyAsync(resolved, data, schema, training, baseVersion, field, ct);

        resolved.TrainingDatasetVersions.Clear();
        resolved.TrainingDatasetVersions.Add(training.Select(v => v.Name));
        resolved.EvaluationDatasetVersions.Clear();
        resolved.EvaluationDatasetVersions.Add(evaluation.Select(v => v.Name));
        return new ResolvedSpec(resolved, schema, training, evaluation, baseVersion);
    }

    private static void CheckHyperparameters(TrainingSpec spec, string field)
    {
        var violations = new List<(string, string)>();
        if (spec.Optimizer is not { } optimizer)
        {
            violations.Add(($"{field}.optimizer", "is required."));
        }
        else
        {
            if (optimizer.Kind == OptimizerKind.Unspecified || !Enum.IsDefined(optimizer.Kind))
            {
                violations.Add(($"{field}.optimizer.kind", "must be SGD, ADAM or ADAMW."));
            }

            if (!(optimizer.LearningRate > 0) || !double.IsFinite(optimizer.LearningRate))
            {
                violations.Add(($"{field}.optimizer.learning_rate",
                    $"must be positive and finite, got {optimizer.LearningRate}."));
            }

            if (optimizer.Momentum is < 0 or >= 1 || double.IsNaN(optimizer.Momentum))
            {
                violations.Add(($"{field}.optimizer.momentum", $"must be in [0, 1), got {optimizer.Momentum}."));
            }

            if (!(optimizer.WeightDecay >= 0) || !double.IsFinite(optimizer.WeightDecay))
            {
                violations.Add(($"{field}.optimizer.weight_decay",
                    $"must be zero or positive and finite, got {optimizer.WeightDecay}."));
            }
        }

        if (spec.LearningRateSchedule is { } schedule)
        {
            CheckSchedule(schedule, spec.Optimizer?.LearningRate ?? 0, $"{field}.learning_rate_schedule",
                violations);
        }

        if (spec.BatchSize is < 1 or > MaxBatchSize)
        {
            violations.Add(($"{field}.batch_size", $"must be 1 to {MaxBatchSize}, got {spec.BatchSize}."));
        }

        if (spec.Epochs is < 1 or > MaxEpochs)
        {
            violations.Add(($"{field}.epochs", $"must be 1 to {MaxEpochs}, got {spec.Epochs}."));
        }

        if (!Enum.IsDefined(spec.Device))
        {
            violations.Add(($"{field}.device", "must be AUTO, CPU or CUDA."));
        }

        if (violations.Count > 0)
        {
            throw RpcErrors.InvalidArgument([.. violations]);
        }
    }

    private static void CheckSchedule(
        LearningRateSchedule schedule, double learningRate, string field, List<(string, string)> violations)
    {
        switch (schedule.Kind)
        {
            case ScheduleKind.Unspecified or ScheduleKind.Constant:
                break;
            case ScheduleKind.Step:
                if (schedule.StepEpochs < 1)
                {
                    violations.Add(($"{field}.step_epochs", $"must be positive, got {schedule.StepEpochs}."));
                }

                if (!(schedule.Gamma > 0 && schedule.Gamma <= 1))
                {
                    violations.Add(($"{field}.gamma", $"must be in (0, 1], got {schedule.Gamma}."));
                }

                break;
            case ScheduleKind.Cosine:
                if (!(schedule.MinLearningRate >= 0 && schedule.MinLearningRate < learningRate))
                {
                    violations.Add(($"{field}.min_learning_rate",
                        $"must be at least 0 and below the learning rate {learningRate}, got " +
                        $"{schedule.MinLearningRate}."));
                }

                break;
            default:
                violations.Add(($"{field}.kind", "must be CONSTANT, STEP or COSINE."));
                break;
        }
    }

    private static async Task<List<DatasetVersion>> ResolveVersionsAsync(
        DataService.DataServiceClient data, IEnumerable<string> names, string field, CancellationToken ct)
    {
        var versions = new List<DatasetVersion>();
        foreach (var (name, i) in names.Select((n, i) => (n, i)))
        {
            var response = await PeerCallAsync(
                () => data.GetDatasetVersionAsync(new GetDatasetVersionRequest { Name = name }, cancellationToken: ct)
                    .ResponseAsync, $"{field}[{i}]");
            versions.Add(response.DatasetVersion);
        }

        return versions;
    }

    private static async Task<DatasetSchema> SchemaAsync(
        DataService.DataServiceClient data, string versionName, CancellationToken ct)
    {
        var dataset = versionName[..versionName.IndexOf("/versions/", StringComparison.Ordinal)];
        var response = await data.GetDatasetAsync(new GetDatasetRequest { Name = dataset }, cancellationToken: ct);
        return response.Dataset.Schema;
    }

    private static async Task RequireSameSchemaAsync(DataService.DataServiceClient data, DatasetSchema schema,
        IEnumerable<DatasetVersion> versions, string field, CancellationToken ct)
    {
        foreach (var version in versions.DistinctBy(v => v.Name))
        {
            var other = await SchemaAsync(data, version.Name, ct);
            if (!other.InputShape.SequenceEqual(schema.InputShape) || other.ClassCount != schema.ClassCount)
            {
                RpcErrors.ThrowInvalidArgument($"{field}.evaluation_dataset_versions",
                    $"{version.Name} has input shape [{string.Join(", ", other.InputShape)}] and " +
                    $"{other.ClassCount} classes, unlike the training data's [{string.Join(", ", schema.InputShape)}]" +
                    $" and {schema.ClassCount}.");
            }
        }
    }

    private async Task<ModelVersion?> ResolveBaseAsync(
        TrainingSpec spec, DatasetSchema schema, string field, CancellationToken ct)
    {
        if (spec.BaseModelVersion.Length == 0)
        {
            return null;
        }

        var baseField = $"{field}.base_model_version";
        var registry = new RegistryService.RegistryServiceClient(peers.For(ServiceCatalog.Registry.Name));
        var version = spec.BaseModelVersion.Contains("/aliases/", StringComparison.Ordinal)
            ? (await PeerCallAsync(() => registry.ResolveModelAliasAsync(
                new ResolveModelAliasRequest { Name = spec.BaseModelVersion }, cancellationToken: ct).ResponseAsync,
                baseField)).ModelVersion
            : (await PeerCallAsync(() => registry.GetModelVersionAsync(
                new GetModelVersionRequest { Name = spec.BaseModelVersion }, cancellationToken: ct).ResponseAsync,
                baseField)).ModelVersion;

        if (spec.Architecture is not null && !version.Architecture.Equals(spec.Architecture))
        {
            RpcErrors.ThrowInvalidArgument($"{field}.architecture",
                $"differs from the base version {version.Name}'s; fine-tuning keeps the architecture.");
        }

        if (!version.InputShape.SequenceEqual(schema.InputShape))
        {
            RpcErrors.ThrowInvalidArgument(baseField,
                $"{version.Name} takes input shape [{string.Join(", ", version.InputShape)}], the data has " +
                $"[{string.Join(", ", schema.InputShape)}].");
        }

        spec.BaseModelVersion = version.Name;
        spec.Architecture ??= version.Architecture.Clone();
        return version;
    }

    /// <summary>
    /// The test splits of every task the base version was evaluated on, then those of the training versions:
    /// the accuracy matrix then covers every task seen so far.
    /// </summary>
    private static IEnumerable<string> DefaultEvaluation(ModelVersion? baseVersion, List<DatasetVersion> training)
    {
        var earlier = baseVersion?.Metrics?.AccuracyMatrix?.TaskDatasetVersions.ToList()
            ?? baseVersion?.Metrics?.Evaluations.Select(e => e.DatasetVersion).ToList()
            ?? [];
        var current = training.Where(v => v.Splits.Any(s => s.Split == Split.Test && s.ExampleCount > 0))
            .Select(v => v.Name);
        return earlier.Concat(current).Distinct();
    }

    private static void CheckArchitecture(TrainingSpec spec, DatasetSchema schema, string field)
    {
        if (spec.Architecture is null || spec.Architecture.KindCase == Architecture.KindOneofCase.None)
        {
            RpcErrors.ThrowInvalidArgument($"{field}.architecture", "is required: set mlp or cnn.");
        }

        var (dropout, dropoutField) = spec.Architecture.KindCase == Architecture.KindOneofCase.Mlp
            ? (spec.Architecture.Mlp.Dropout, "mlp.dropout")
            : (spec.Architecture.Cnn.Dropout, "cnn.dropout");
        if (!(dropout is >= 0 and < 1))
        {
            RpcErrors.ThrowInvalidArgument($"{field}.architecture.{dropoutField}",
                $"is the probability of dropping a unit: at least 0 and below 1, got {dropout}.");
        }

        // With "same" padding a kernel wider than the image still runs, but sees mostly padding, and slowly.
        var side = schema.InputShape.Count is 2 or 3 ? schema.InputShape.TakeLast(2).Min() : int.MaxValue;
        if (spec.Architecture.KindCase == Architecture.KindOneofCase.Cnn
            && spec.Architecture.Cnn.KernelSize is var kernel && (kernel < 0 || kernel > side))
        {
            RpcErrors.ThrowInvalidArgument($"{field}.architecture.cnn.kernel_size",
                $"must be between 1 and {side}, the input's smaller side (0 means {ModelFactory.DefaultKernelSize}), "
                + $"got {kernel}.");
        }

        try
        {
            var parameters = ModelFactory.ParameterCount(spec.Architecture, schema.InputShape, schema.ClassCount);
            if (parameters > MaxParameters)
            {
                RpcErrors.ThrowInvalidArgument($"{field}.architecture",
                    $"has {parameters} parameters, more than the {MaxParameters} a job may train.");
            }
        }
        catch (Exception e) when (e is ArgumentException or OverflowException)
        {
            RpcErrors.ThrowInvalidArgument($"{field}.architecture",
                $"does not fit the data (input shape [{string.Join(", ", schema.InputShape)}], " +
                $"{schema.ClassCount} classes): {e.Message}");
        }
    }

    private static void CheckFrozenLayers(
        TrainingSpec spec, DatasetSchema schema, ModelVersion? baseVersion, string field)
    {
        if (spec.FrozenLayers.Count == 0)
        {
            return;
        }

        if (baseVersion is null)
        {
            RpcErrors.ThrowInvalidArgument($"{field}.frozen_layers",
                "needs base_model_version: only loaded layers can be kept fixed.");
        }

        using var model = ModelFactory.Create(spec.Architecture, schema.InputShape, schema.ClassCount);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        foreach (var (name, i) in spec.FrozenLayers.Select((n, i) => (n, i)))
        {
            if (!names.Contains(name))
            {
                RpcErrors.ThrowInvalidArgument($"{field}.frozen_layers[{i}]",
                    $"'{ResourceIds.Printable(name)}' is no parameter of the model; it has " +
                    $"{string.Join(", ", names.Order(StringComparer.Ordinal))}.");
            }
        }
    }

    private static void CheckRegisterModel(string name, string field)
    {
        if (name.Length > 0)
        {
            ResourceNames.ParseId(name, "models", "model", field);
        }
    }

    /// <summary>
    /// A peer's NotFound stands as it is (it names the missing resource); its InvalidArgument is about the
    /// reference this spec gave, so it is reported against the spec's field.
    /// </summary>
    private static async Task<T> PeerCallAsync<T>(Func<Task<T>> call, string field)
    {
        try
        {
            return await call();
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            throw RpcErrors.InvalidArgument((field, e.Status.Detail));
        }
    }
}
