using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Continuum.Cli.Commands.Datasets;
using Continuum.Data.V1;
using Continuum.Events.V1;
using Continuum.Gateway.V1;
using Continuum.Training.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Continuum.Cli.Commands.Demo;

/// <summary>Timestamped story lines on standard error, from any task.</summary>
public sealed class DemoLog(TextWriter error)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Line(string text)
    {
        lock (_gate)
        {
            error.WriteLine($"[{_clock.Elapsed:mm\\:ss}] {text}");
            error.Flush();
        }
    }
}

/// <summary>
/// Drives one demo through the public API only, as any client would: it creates the dataset and one policy per
/// strategy, uploads each arrival, waits until every policy has run on it (following each training job's
/// epochs), and prints the registry's events as they arrive. The policies do the training, registration and
/// promotion; this class only watches.
/// </summary>
public sealed partial class DemoRunner(CallInvoker invoker, DemoPlan plan, DemoLog log)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(20);

    private readonly DataService.DataServiceClient _data = new(invoker);
    private readonly TrainingService.TrainingServiceClient _training = new(invoker);

    /// <summary>
    /// The next free <c>demo-N</c> prefix. Each demo creates its own dataset, policies and models, so a demo
    /// stopped halfway leaves them as they were and the next starts afresh beside them: nothing is reused.
    /// </summary>
    public static async Task<string> NextPrefixAsync(CallInvoker invoker, DemoLog log, CancellationToken ct)
    {
        var data = new DataService.DataServiceClient(invoker);
        var numbers = new List<int>();
        var token = "";
        do
        {
            var page = await data.ListDatasetsAsync(new ListDatasetsRequest { PageSize = 1000, PageToken = token },
                cancellationToken: ct);
            numbers.AddRange(page.Datasets.Select(d => DemoDataset().Match(d.Name))
                .Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)));
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        if (numbers.Count == 0)
        {
            return "demo-1";
        }

        var last = numbers.Max();
        var next = $"demo-{last + 1}";
        var unfinished = await UnfinishedAsync(invoker, $"demo-{last}", ct);
        if (unfinished is not null)
        {
            var cancelled = await CancelJobsAsync(invoker, $"demo-{last}", ct);
            log.Line($"The previous demo, demo-{last}, did not finish ({unfinished}). Starting afresh as {next}; "
                + (cancelled > 0 ? $"its {cancelled} unfinished job(s) are cancelled, and " : "")
                + $"demo-{last}'s dataset, policies and models are left as they were.");
        }

        return next;
    }

    /// <summary>The policies of the demo with this prefix (<c>policies/demo-N-replay</c>...).</summary>
    private static async Task<IEnumerable<Policy>> PoliciesAsync(CallInvoker invoker, string prefix,
        CancellationToken ct)
    {
        var policies = await new TrainingService.TrainingServiceClient(invoker).ListPoliciesAsync(
            new ListPoliciesRequest { PageSize = 1000 }, cancellationToken: ct);
        return policies.Policies.Where(p => p.Name.StartsWith($"policies/{prefix}-", StringComparison.Ordinal));
    }

    /// <summary>
    /// Cancels the queued and running jobs of the demo with this prefix, which would otherwise take the worker
    /// from the new demo; returns how many.
    /// </summary>
    private static async Task<int> CancelJobsAsync(CallInvoker invoker, string prefix, CancellationToken ct)
    {
        var training = new TrainingService.TrainingServiceClient(invoker);
        var cancelled = 0;
        foreach (var policy in await PoliciesAsync(invoker, prefix, ct))
        {
            foreach (var state in new[] { TrainingJobState.Queued, TrainingJobState.Running })
            {
                var jobs = await training.ListTrainingJobsAsync(
                    new ListTrainingJobsRequest { Policy = policy.Name, State = state, PageSize = 1000 },
                    cancellationToken: ct);
                foreach (var job in jobs.TrainingJobs)
                {
                    await training.CancelTrainingJobAsync(new CancelTrainingJobRequest { Name = job.Name },
                        cancellationToken: ct);
                    cancelled++;
                }
            }
        }

        return cancelled;
    }

    /// <summary>Why the demo with this prefix looks unfinished, or null when all its runs ended.</summary>
    private static async Task<string?> UnfinishedAsync(CallInvoker invoker, string prefix, CancellationToken ct)
    {
        var data = new DataService.DataServiceClient(invoker);
        var dataset = (await data.GetDatasetAsync(new GetDatasetRequest { Name = $"datasets/{prefix}-fashion" },
            cancellationToken: ct)).Dataset;
        if (dataset.VersionCount < FashionArrivals.Count)
        {
            return $"{dataset.VersionCount} of {FashionArrivals.Count} arrivals uploaded";
        }

        var running = (await PoliciesAsync(invoker, prefix, ct))
            .SelectMany(p => p.RecentRuns).Count(r => r.State == PolicyRunState.Running);
        return running > 0 ? $"{running} run(s) never ended" : null;
    }

    public async Task<DemoOutcome> RunAsync(IReadOnlyList<Arrival> arrivals, CancellationToken ct)
    {
        await CreateAsync(ct);
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var watch = new GatewayService.GatewayServiceClient(invoker).WatchEvents(new WatchEventsRequest
        {
            EventTypes =
            {
                nameof(DatasetVersionCreated), nameof(TrainingJobCompleted), nameof(TrainingJobFailed),
                nameof(ModelVersionCreated), nameof(ModelAliasChanged),
            },
        }, cancellationToken: stopWatching.Token);
        // The stream starts after the newest event once its headers arrive; only then may the first upload go.
        await watch.ResponseHeadersAsync;
        var events = ShowEventsAsync(watch, stopWatching.Token);
        var versions = new List<string>();
        var runs = plan.Strategies.ToDictionary(s => s, _ => new List<PolicyRun>());
        try
        {
            foreach (var arrival in arrivals)
            {
                var version = await UploadAsync(arrival, versions.LastOrDefault(), ct);
                versions.Add(version);
                var ended = await Task.WhenAll(plan.Strategies.Select(s => FollowRunAsync(s, version, ct)));
                for (var i = 0; i < ended.Length; i++)
                {
                    runs[plan.Strategies[i]].Add(ended[i]);
                }
            }

            // The last alias move may still be on its way to the watch stream.
            await Task.Delay(TimeSpan.FromMilliseconds(500), ct);
        }
        finally
        {
            await stopWatching.CancelAsync();
            await events;
        }

        return new DemoOutcome(versions, runs);
    }

    private async Task CreateAsync(CancellationToken ct)
    {
        var schema = new DatasetSchema { InputShape = { 28, 28 }, ClassCount = 10 };
        schema.ClassNames.Add(FashionArrivals.ClassNames);
        await _data.CreateDatasetAsync(new CreateDatasetRequest
        {
            DatasetId = plan.DatasetId,
            Dataset = new Dataset
            {
                Schema = schema,
                Description = $"continuum demo: Fashion-MNIST in {FashionArrivals.Count} {plan.Scenario} arrivals",
            },
        }, cancellationToken: ct);
        log.Line($"Created {plan.Dataset} (28x28, 10 classes).");
        foreach (var strategy in plan.Strategies)
        {
            await _training.CreatePolicyAsync(new CreatePolicyRequest
            {
                PolicyId = plan.Id(strategy), Policy = plan.PolicyFor(strategy),
            }, cancellationToken: ct);
            var gate = plan.GateFor(strategy);
            var bound = gate.HasMaxForgetting
                ? $"at most {gate.MaxForgetting:0.00} lost on each earlier one"
                : "no bound on earlier ones";
            log.Line($"Created {plan.Policy(strategy)}: {strategy}, MLP 784-400-400-10, Adam; gate: no loss on the "
                + $"newest arrival, {bound}; trains {plan.Model(strategy)}.");
        }
    }

    private async Task<string> UploadAsync(Arrival arrival, string? previous, CancellationToken ct)
    {
        log.Line($"Arrival {arrival.Number}/{FashionArrivals.Count}: {arrival.Title}: uploading "
            + $"{arrival.Train.Count:N0} training and {arrival.Test.Count:N0} test examples.");
        byte[][] files =
            [arrival.Train.ImagesFile(), arrival.Train.LabelsFile(), arrival.Test.ImagesFile(), arrival.Test.LabelsFile()];
        var metadata = new DatasetVersionUpload
        {
            Parent = plan.Dataset,
            Format = DataFormat.Idx,
            Description = $"arrival {arrival.Number}: {arrival.Title}",
            Files =
            {
                File("train-images-idx3-ubyte", Split.Train, FileRole.IdxInputs, files[0]),
                File("train-labels-idx1-ubyte", Split.Train, FileRole.IdxLabels, files[1]),
                File("t10k-images-idx3-ubyte", Split.Test, FileRole.IdxInputs, files[2]),
                File("t10k-labels-idx1-ubyte", Split.Test, FileRole.IdxLabels, files[3]),
            },
        };
        var response = await UploadCommand.UploadAsync(_data, metadata,
            files.Select(f => (Func<Stream>)(() => new MemoryStream(f, writable: false))).ToList(),
            files.Sum(f => (long)f.Length), progress: null, ct);
        var version = response.DatasetVersion;
        var change = previous is null ? "" : await ComparisonAsync(previous, version.Name, ct);
        log.Line($"  {version.Name}  sha256 {version.ContentSha256[..12]}{change}");
        return version.Name;
    }

    private async Task<string> ComparisonAsync(string previous, string current, CancellationToken ct)
    {
        var comparison = (await _data.CompareDatasetVersionsAsync(new CompareDatasetVersionsRequest
        {
            BaseVersion = previous, TargetVersion = current, Split = Split.Train,
        }, cancellationToken: ct)).Comparison;
        var added = comparison.ClassesAdded.Select(c => FashionArrivals.ClassNames[c]).ToList();
        return comparison.Scenario switch
        {
            Scenario.ClassIncremental => $"  class-incremental: {string.Join(", ", added)} added",
            Scenario.DomainIncremental => "  domain-incremental: same classes, inputs shifted (PSI "
                + $"{comparison.PopulationStabilityIndex:0.00})",
            var other => $"  {other}",
        };
    }

    /// <summary>Waits for the policy's run on <paramref name="version"/>, follows its job, returns it ended.</summary>
    private async Task<PolicyRun> FollowRunAsync(string strategy, string version, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + RunTimeout;
        var run = await PollRunAsync(strategy, version, r => r.TrainingJob.Length > 0 || r.State != PolicyRunState.Running,
            deadline, ct);
        if (run.State == PolicyRunState.Running)
        {
            log.Line($"  {strategy,-6} {run.TrainingJob} queued");
            await FollowJobAsync(strategy, run.TrainingJob, deadline, ct);
            run = await PollRunAsync(strategy, version, r => r.State != PolicyRunState.Running, deadline, ct);
        }

        log.Line($"  {strategy,-6} {Outcome(run)}");
        return run;
    }

    private async Task<PolicyRun> PollRunAsync(string strategy, string version, Func<PolicyRun, bool> done,
        DateTime deadline, CancellationToken ct)
    {
        while (true)
        {
            var policy = (await _training.GetPolicyAsync(new GetPolicyRequest { Name = plan.Policy(strategy) },
                cancellationToken: ct)).Policy;
            if (policy.RecentRuns.FirstOrDefault(r => r.DatasetVersion == version) is { } run && done(run))
            {
                return run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                    $"{plan.Policy(strategy)} has not finished its run on {version} within {RunTimeout.TotalMinutes} "
                    + "minutes; is a training worker running?"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }
    }

    private async Task FollowJobAsync(string strategy, string job, DateTime deadline, CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await ReadJobAsync(strategy, job, ct);
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                // A run names its job a moment before the job is submitted.
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
        }
    }

    private async Task ReadJobAsync(string strategy, string job, CancellationToken ct)
    {
        using var call = _training.WatchTrainingJob(new WatchTrainingJobRequest { Name = job }, cancellationToken: ct);
        await foreach (var message in call.ResponseStream.ReadAllAsync(ct))
        {
            if (message.Metric is { Scope: MetricScope.Epoch } epoch)
            {
                log.Line($"  {strategy,-6} epoch {epoch.Epoch}/{message.Progress?.TotalEpochs}  loss "
                    + $"{epoch.Loss:0.0000}  {epoch.SamplesPerSecond:N0} examples/s");
            }
            else if (message.Metric is { Scope: MetricScope.Final } final)
            {
                var accuracies = final.Evaluations.Where(e => e.Split == Split.Test)
                    .Select(e => e.Accuracy.ToString("0.000", CultureInfo.InvariantCulture));
                log.Line($"  {strategy,-6} test accuracy per arrival so far: {string.Join("  ", accuracies)}");
            }
        }
    }

    private static string Outcome(PolicyRun run) => run.State switch
    {
        PolicyRunState.Promoted => $"{run.ModelVersion} passed the gate and is the champion",
        PolicyRunState.Registered => $"{run.ModelVersion} registered; the gate kept the champion: "
            + string.Join("; ", run.GateReasons),
        _ => $"run FAILED: {(StatusCode)run.Error.Code}: {run.Error.Message}",
    };

    /// <summary>
    /// The gateway's stream of every event on the bus, as any subscriber sees it: this demo's dataset versions,
    /// finished jobs, registered versions and alias moves.
    /// </summary>
    private async Task ShowEventsAsync(AsyncServerStreamingCall<WatchEventsResponse> call, CancellationToken ct)
    {
        var models = plan.Strategies.Select(plan.Model).ToHashSet();
        var policies = plan.Strategies.Select(plan.Policy).ToHashSet();
        try
        {
            await foreach (var e in call.ResponseStream.ReadAllAsync(ct))
            {
                var line = e.EventCase switch
                {
                    WatchEventsResponse.EventOneofCase.DatasetVersionCreated
                        when e.DatasetVersionCreated.Dataset == plan.Dataset =>
                        $"DatasetVersionCreated {e.DatasetVersionCreated.DatasetVersion}",
                    WatchEventsResponse.EventOneofCase.TrainingJobCompleted
                        when policies.Contains(e.TrainingJobCompleted.Policy) =>
                        $"TrainingJobCompleted {e.TrainingJobCompleted.TrainingJob} -> "
                        + e.TrainingJobCompleted.ModelVersion,
                    WatchEventsResponse.EventOneofCase.TrainingJobFailed
                        when policies.Contains(e.TrainingJobFailed.Policy) =>
                        $"TrainingJobFailed {e.TrainingJobFailed.TrainingJob}: {e.TrainingJobFailed.ErrorMessage}",
                    WatchEventsResponse.EventOneofCase.ModelVersionCreated
                        when models.Contains(e.ModelVersionCreated.Model) =>
                        $"ModelVersionCreated {e.ModelVersionCreated.ModelVersion} (sha256 "
                        + $"{e.ModelVersionCreated.ArtifactSha256[..12]})",
                    WatchEventsResponse.EventOneofCase.ModelAliasChanged
                        when models.Contains(e.ModelAliasChanged.Model) =>
                        $"ModelAliasChanged {e.ModelAliasChanged.Alias} -> {e.ModelAliasChanged.ModelVersion}",
                    _ => null,
                };
                if (line is not null)
                {
                    log.Line($"  event {line}");
                }
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested
            && e is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // The demo ended; so does the watching.
        }
    }

    private static UploadFile File(string name, Split split, FileRole role, byte[] bytes) =>
        new() { FileName = name, Split = split, Role = role, SizeBytes = bytes.Length };

    [GeneratedRegex("^datasets/demo-([0-9]{1,9})-fashion$")]
    private static partial Regex DemoDataset();
}

/// <summary>What a demo left: the dataset versions it uploaded, and each strategy's runs in arrival order.</summary>
public sealed record DemoOutcome(IReadOnlyList<string> DatasetVersions, IReadOnlyDictionary<string, List<PolicyRun>> Runs);
