using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Continuum.Contracts;
using Continuum.Data.V1;
using Continuum.Ml;
using Continuum.Ml.Continual;
using Continuum.Ml.Training;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.Jobs;
using Continuum.Training.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;
using Device = TorchSharp.torch.Device;
using OptimizerKind = Continuum.Training.V1.OptimizerKind;

namespace Continuum.Training.Worker;

/// <summary>
/// Trains one claimed job: loads its data (cached by content hash), builds the network (from the base version
/// when fine-tuning), resumes from the last checkpoint if a previous worker left one, trains epoch by epoch with
/// a checkpoint after each, evaluates on every listed test split and registers the result.
/// </summary>
public sealed class JobExecution(
    TrainingJobRepository jobs, ExampleCache examples, ModelRegistration registry, StrategyPreparation strategies,
    IBlobStore blobs, PeerChannels peers, IOptions<TrainingWorkerOptions> options)
{
    // At most about this many step points per job; epoch points come on top.
    private const int StepPointBudget = 900;

    public async Task<JobOutcome> RunAsync(JobRow row, string worker, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var spec = JobMapper.ToProto(row).Spec;
        var device = TorchDevice.Resolve(DeviceName(spec.Device));
        var data = new DataService.DataServiceClient(peers.For(ServiceCatalog.Data.Name));
        var trainingVersions = await VersionsAsync(data, spec.TrainingDatasetVersions, ct);
        var evaluationVersions = await VersionsAsync(data, spec.EvaluationDatasetVersions, ct);
        var dataset = trainingVersions[0].Name[..trainingVersions[0].Name.IndexOf("/versions/", StringComparison.Ordinal)];
        var schema = (await data.GetDatasetAsync(new GetDatasetRequest { Name = dataset }, cancellationToken: ct))
            .Dataset.Schema;

        var tests = new List<ExampleSet>();
        nn.Module<Tensor, Tensor>? model = null;
        try
        {
            foreach (var version in evaluationVersions)
            {
                tests.Add(await examples.LoadAsync(version, Split.Test, schema.InputShape, ct));
            }

            var threads = options.Value.Threads > 0 ? options.Value.Threads : Environment.ProcessorCount;
            TorchDevice.Configure(spec.Seed, threads);
            model = ModelFactory.Create(spec.Architecture, schema.InputShape, schema.ClassCount, spec.Seed);
            ModelVersion? baseVersion = null;
            BaselineEvaluation? baseline = null;
            if (spec.BaseModelVersion.Length > 0)
            {
                baseVersion = (await new RegistryService.RegistryServiceClient(peers.For(ServiceCatalog.Registry.Name))
                    .GetModelVersionAsync(new GetModelVersionRequest { Name = spec.BaseModelVersion },
                        cancellationToken: ct)).ModelVersion;
                await LoadBaseAsync(model, baseVersion, schema, spec, ct);
                model.to(device);
                if (baseVersion.ClassCount == schema.ClassCount)
                {
                    baseline = new BaselineEvaluation
                    {
                        ModelVersion = baseVersion.Name,
                        Evaluations = { Evaluate(model, tests, evaluationVersions, device) },
                    };
                }
            }

            using var strategy = await strategies.PrepareAsync(spec, baseVersion, trainingVersions, schema, device, ct);
            if (strategy.FromScratch)
            {
                // The base only served as the baseline; the weights start as a job without a base would.
                model.Dispose();
                TorchDevice.Configure(spec.Seed, threads);
                model = ModelFactory.Create(spec.Architecture, schema.InputShape, schema.ClassCount, spec.Seed);
            }

            using var train = await examples.LoadAllAsync(
                strategy.TrainingDatasetVersions, Split.Train, schema.InputShape, ct);
            model.to(device);
            using var trainer = new ClassifierTrainer(model, ToOptions(spec), device, strategy.Objective, strategy.Replay);
            await ResumeAsync(trainer, row, ct);

            var total = trainer.StepsPerEpoch(train.Count) * spec.Epochs;
            var reportEvery = (int)Math.Max(1, total / StepPointBudget);
            while (!trainer.IsFinished)
            {
                ct.ThrowIfCancellationRequested();
                var report = await TrainEpochAsync(trainer, train, row.Id, worker, spec, total, reportEvery, ct);
                var evaluations = Evaluate(model, tests, evaluationVersions, device);
                var checkpoint = await SaveCheckpointAsync(trainer, ct);
                await RecordAsync(row.Id, worker, new MetricPoint
                {
                    Time = Timestamp.FromDateTime(DateTime.UtcNow),
                    Scope = MetricScope.Epoch,
                    Epoch = report.Epoch + 1,
                    Step = report.Step,
                    Loss = report.MeanLoss,
                    LearningRate = report.LearningRate,
                    SamplesPerSecond = report.SamplesPerSecond,
                    Evaluations = { evaluations },
                }, Progress(spec, trainer.CompletedEpochs, report.Step, total, report.SamplesPerSecond,
                    train.Count, trainer.CompletedEpochs), checkpoint, ct);
            }

            var final = Evaluate(model, tests, evaluationVersions, device);
            var metrics = Metrics(final, baseVersion, baseline, model, schema, device);
            await jobs.AppendMetricAsync(row.Id, trainer.Step, JobMapper.Json(new MetricPoint
            {
                Time = Timestamp.FromDateTime(DateTime.UtcNow),
                Scope = MetricScope.Final,
                Epoch = spec.Epochs,
                Step = trainer.Step,
                Evaluations = { final },
            }), ct);

            var registered = "";
            if (spec.RegisterModel.Length > 0)
            {
                registered = await registry.RegisterAsync(spec.RegisterModel,
                    Describe(spec, schema, metrics, row, strategy), Save(model), TrainingJobNames.Job(row.Id), ct);
            }

            return new JobOutcome(registered, metrics, spec, clock.Elapsed);
        }
        finally
        {
            model?.Dispose();
            foreach (var test in tests)
            {
                test.Dispose();
            }
        }
    }

    private static string DeviceName(V1.Device device) => device switch
    {
        V1.Device.Cpu => "cpu",
        V1.Device.Cuda => "cuda",
        _ => "auto",
    };

    private static async Task<List<DatasetVersion>> VersionsAsync(
        DataService.DataServiceClient data, IEnumerable<string> names, CancellationToken ct)
    {
        var versions = new List<DatasetVersion>();
        foreach (var name in names)
        {
            versions.Add((await data.GetDatasetVersionAsync(
                new GetDatasetVersionRequest { Name = name }, cancellationToken: ct)).DatasetVersion);
        }

        return versions;
    }

    /// <summary>
    /// Loads the base version's weights: all of them when the class count is the same (fine-tuning), all but
    /// the output layer when it differs (transfer); then fixes the frozen layers.
    /// </summary>
    private async Task LoadBaseAsync(
        nn.Module<Tensor, Tensor> model, ModelVersion baseVersion, DatasetSchema schema, TrainingSpec spec,
        CancellationToken ct)
    {
        var artifact = await registry.DownloadAsync(baseVersion.Name, ct);
        using (var reader = new BinaryReader(new MemoryStream(artifact)))
        {
            if (baseVersion.ClassCount == schema.ClassCount)
            {
                model.load(reader);
            }
            else
            {
                var output = model.named_parameters().TakeLast(2).Select(p => p.name).ToList();
                model.load(reader, strict: false, skip: output);
            }
        }

        var frozen = spec.FrozenLayers.ToHashSet();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (frozen.Contains(name))
            {
                parameter.requires_grad_(false);
            }
        }
    }

    private async Task ResumeAsync(ClassifierTrainer trainer, JobRow row, CancellationToken ct)
    {
        if (row.CheckpointSha256 is not { } sha)
        {
            return;
        }

        await using (var stream = await blobs.OpenReadAsync(sha, ct))
        {
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, ct);
            copy.Position = 0;
            trainer.LoadCheckpoint(copy);
        }

        // The previous worker's points after its last checkpoint are taken again by this run.
        await jobs.TrimMetricsAsync(row.Id, trainer.Step, ct);
    }

    /// <summary>
    /// Runs one epoch on a worker thread; step points go through a channel to the database as they come, so
    /// the loop never waits for a write.
    /// </summary>
    private async Task<EpochReport> TrainEpochAsync(
        ClassifierTrainer trainer, ExampleSet train, string jobId, string worker, TrainingSpec spec, long total,
        int reportEvery, CancellationToken ct)
    {
        var points = Channel.CreateUnbounded<(MetricPoint Point, TrainingProgress Progress)>(
            new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var writer = Task.Run(async () =>
        {
            await foreach (var (point, progress) in points.Reader.ReadAllAsync(CancellationToken.None))
            {
                await jobs.AppendMetricAsync(jobId, point.Step, JobMapper.Json(point), CancellationToken.None);
                await jobs.SaveProgressAsync(jobId, worker, JobMapper.Json(progress), null,
                    CancellationToken.None);
            }
        }, CancellationToken.None);

        try
        {
            return await Task.Factory.StartNew(() => trainer.TrainEpoch(train, step =>
            {
                points.Writer.TryWrite((new MetricPoint
                {
                    Time = Timestamp.FromDateTime(DateTime.UtcNow),
                    Scope = MetricScope.Step,
                    Epoch = step.Epoch + 1,
                    Step = step.Step,
                    Loss = step.Loss,
                    LearningRate = step.LearningRate,
                    SamplesPerSecond = step.SamplesPerSecond,
                }, Progress(spec, step.Epoch + 1, step.Step, total, step.SamplesPerSecond, train.Count,
                    trainer.CompletedEpochs)));
            }, reportEvery, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            points.Writer.Complete();
            await writer;
        }
    }

    private static TrainingProgress Progress(
        TrainingSpec spec, int epoch, long step, long total, double samplesPerSecond, long examplesPerEpoch,
        int checkpointEpoch)
    {
        var progress = new TrainingProgress
        {
            Epoch = Math.Min(Math.Max(epoch, 1), spec.Epochs),
            TotalEpochs = spec.Epochs,
            Step = step,
            TotalSteps = total,
            CheckpointEpoch = checkpointEpoch,
        };
        if (samplesPerSecond > 0)
        {
            var stepsPerSecond = samplesPerSecond / Math.Min(spec.BatchSize, examplesPerEpoch);
            progress.Eta = Duration.FromTimeSpan(TimeSpan.FromSeconds((total - step) / stepsPerSecond));
        }

        return progress;
    }

    private async Task<string> SaveCheckpointAsync(ClassifierTrainer trainer, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        trainer.SaveCheckpoint(buffer);
        buffer.Position = 0;
        var stored = await blobs.PutAsync(buffer, cancellationToken: ct);
        return stored.Sha256;
    }

    /// <summary>Records an epoch: its point, then progress with the new checkpoint; then drops the old one.</summary>
    private async Task RecordAsync(
        string jobId, string worker, MetricPoint point, TrainingProgress progress, string checkpoint,
        CancellationToken ct)
    {
        var previous = (await jobs.GetAsync(jobId, ct))?.CheckpointSha256;
        await jobs.AppendMetricAsync(jobId, point.Step, JobMapper.Json(point), ct);
        await jobs.SaveProgressAsync(jobId, worker, JobMapper.Json(progress), checkpoint, ct);
        if (previous is not null && previous != checkpoint && await jobs.IsCheckpointUnusedAsync(previous, ct))
        {
            await blobs.DeleteAsync(previous, ct);
        }
    }

    private static List<SplitEvaluation> Evaluate(
        nn.Module<Tensor, Tensor> model, List<ExampleSet> tests, List<DatasetVersion> versions, Device device) =>
        tests.Select((test, i) =>
        {
            var score = ClassifierTrainer.Evaluate(model, test, device);
            return new SplitEvaluation
            {
                DatasetVersion = versions[i].Name, Split = Split.Test, Accuracy = score.Accuracy, Loss = score.Loss,
                ExampleCount = score.ExampleCount,
            };
        }).ToList();

    /// <summary>
    /// The final evaluations plus the accuracy matrix: the base version's rows when its tasks are where this
    /// job's evaluation starts, then this job's row.
    /// </summary>
    private static ModelMetrics Metrics(
        List<SplitEvaluation> final, ModelVersion? baseVersion, BaselineEvaluation? baseline,
        nn.Module<Tensor, Tensor> model, DatasetSchema schema, Device device)
    {
        var tasks = final.Select(e => e.DatasetVersion).ToList();
        var matrix = new Registry.V1.AccuracyMatrix { TaskDatasetVersions = { tasks } };
        if (baseVersion?.Metrics?.AccuracyMatrix is { } earlier
            && earlier.TaskDatasetVersions.SequenceEqual(tasks.Take(earlier.TaskDatasetVersions.Count)))
        {
            matrix.Rows.Add(earlier.Rows.Select(r => r.Clone()));
        }

        matrix.Rows.Add(new AccuracyMatrixRow { Accuracies = { final.Select(e => e.Accuracy) } });
        var scores = new Ml.Continual.AccuracyMatrix(matrix.Rows.Select(r => (IReadOnlyList<double>)r.Accuracies));
        var metrics = new ModelMetrics
        {
            Evaluations = { final },
            AccuracyMatrix = matrix,
            AverageAccuracy = scores.AverageAccuracy,
            Forgetting = scores.Forgetting,
            TaskForgetting = { scores.TaskForgetting },
            BackwardTransfer = scores.BackwardTransfer,
            ParameterCount = model.parameters().Sum(p => p.numel()),
            LatencyMs = MedianLatencyMs(model, schema, device),
        };
        if (baseline is not null)
        {
            metrics.Baseline = baseline;
        }

        return metrics;
    }

    /// <summary>Median time of one example at batch size 1, as the registry's latency bound reads it.</summary>
    private static double MedianLatencyMs(nn.Module<Tensor, Tensor> model, DatasetSchema schema, Device device)
    {
        model.eval();
        using var noGrad = no_grad();
        using var input = zeros([1, .. schema.InputShape.Select(d => (long)d)], device: device);
        var times = new List<double>();
        for (var i = 0; i < 25; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (model.forward(input))
            {
            }

            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static ModelVersion Describe(
        TrainingSpec spec, DatasetSchema schema, ModelMetrics metrics, JobRow row, StrategySetup strategy)
    {
        var version = new ModelVersion
        {
            Description = $"Trained by {TrainingJobNames.Job(row.Id)}.",
            Architecture = spec.Architecture,
            InputShape = { schema.InputShape },
            ClassCount = schema.ClassCount,
            ClassNames = { schema.ClassNames },
            Metrics = metrics,
            Lineage = new ModelVersionLineage
            {
                TrainingDatasetVersions = { strategy.TrainingDatasetVersions },
                ReplayDatasetVersion = strategy.ReplayDatasetVersion,
                EvaluationDatasetVersions = { spec.EvaluationDatasetVersions },
                ParentModelVersion = spec.BaseModelVersion,
                TrainingJob = TrainingJobNames.Job(row.Id),
                Policy = row.Policy,
                Trial = row.Trial,
            },
        };
        version.Hyperparameters.Add(new Dictionary<string, string>
        {
            ["optimizer"] = spec.Optimizer.Kind.ToString().ToLowerInvariant(),
            ["learning_rate"] = spec.Optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["batch_size"] = spec.BatchSize.ToString(CultureInfo.InvariantCulture),
            ["epochs"] = spec.Epochs.ToString(CultureInfo.InvariantCulture),
            ["seed"] = spec.Seed.ToString(CultureInfo.InvariantCulture),
            ["strategy"] = JobOutcome.StrategyName(spec),
        });
        version.Hyperparameters.Add(JobOutcome.StrategyParameters(spec.Strategy));
        return version;
    }

    private static byte[] Save(nn.Module<Tensor, Tensor> model)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            model.save(writer);
        }

        return buffer.ToArray();
    }

    private static TrainingOptions ToOptions(TrainingSpec spec)
    {
        var optimizer = spec.Optimizer;
        var kind = optimizer.Kind switch
        {
            OptimizerKind.Sgd => Ml.Training.OptimizerKind.Sgd,
            OptimizerKind.Adamw => Ml.Training.OptimizerKind.AdamW,
            _ => Ml.Training.OptimizerKind.Adam,
        };
        var schedule = spec.LearningRateSchedule;
        return new TrainingOptions(
            new OptimizerOptions(kind, optimizer.LearningRate, optimizer.Momentum, optimizer.WeightDecay),
            spec.BatchSize, spec.Epochs, spec.Seed,
            schedule is null ? null : new ScheduleOptions(schedule.Kind switch
            {
                V1.ScheduleKind.Step => Ml.Training.ScheduleKind.Step,
                V1.ScheduleKind.Cosine => Ml.Training.ScheduleKind.Cosine,
                _ => Ml.Training.ScheduleKind.Constant,
            }, schedule.StepEpochs, schedule.Gamma, schedule.MinLearningRate));
    }
}
