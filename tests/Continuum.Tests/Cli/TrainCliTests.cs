using System.Globalization;
using System.Text.Json;
using Continuum.Cli;
using Continuum.Cli.Commands.Training;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Training;
using static Continuum.Tests.Cli.CliRun;

namespace Continuum.Tests.Cli;

/// <summary>
/// <c>continuum train</c> and <c>continuum jobs ...</c> against the embedded host, training a small MLP on the
/// first 1,000 training and 200 test examples of Fashion-MNIST (dataset <c>fm</c>, version 1).
/// </summary>
public sealed class TrainCliTests
{
    private const string Version = "datasets/fm/versions/1";

    // Training shares two cores with the rest of the suite, so a whole job gets more than one call's timeout.
    private static readonly TimeSpan TrainingTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task TrainWatch_Json_OneMessageALineEndingWithTheSucceededJob()
    {
        await using var host = await StartWithSliceAsync();

        // A bare dataset name is its latest version.
        var (code, stdout, stderr) = await RunAsync(TrainingTimeout, Train(host, "fm-json", "--watch"));

        Assert.True(code == CliApp.Ok, stderr);
        Assert.Equal("", stderr);
        var lines = stdout.TrimEnd().Split('\n').Select(Parse).ToList();
        var first = lines[0].GetProperty("trainingJob");
        Assert.Equal([Version], Strings(first.GetProperty("spec").GetProperty("trainingDatasetVersions")));
        var epochs = lines.Where(l => l.TryGetProperty("metric", out var m)
            && m.GetProperty("scope").GetString() == "METRIC_SCOPE_EPOCH").Select(l => l.GetProperty("metric"));
        Assert.Equal([1, 2], epochs.Select(m => m.GetProperty("epoch").GetInt32()));
        var last = lines[^1].GetProperty("trainingJob");
        Assert.Equal(first.GetProperty("name").GetString(), last.GetProperty("name").GetString());
        Assert.Equal("TRAINING_JOB_STATE_SUCCEEDED", last.GetProperty("state").GetString());
        Assert.Equal("models/fm-json/versions/1", last.GetProperty("modelVersion").GetString());
        var evaluation = Assert.Single(last.GetProperty("metrics").GetProperty("evaluations").EnumerateArray());
        Assert.Equal(Version, evaluation.GetProperty("datasetVersion").GetString());
        Assert.Equal("200", evaluation.GetProperty("exampleCount").GetString());
        var accuracy = evaluation.GetProperty("accuracy").GetDouble();
        Assert.True(accuracy > 0.5, $"test accuracy {accuracy}");
        // 1,000 examples in batches of 64 are 16 steps an epoch.
        Assert.Equal("32", lines[^1].GetProperty("progress").GetProperty("step").GetString());
    }

    [Fact]
    public async Task TrainWatch_Table_SummaryShowsStateAccuracyAndRegisteredVersion()
    {
        await using var host = await StartWithSliceAsync();

        var (code, stdout, stderr) = await RunAsync(TrainingTimeout,
            Train(host, "fm-table", "--watch").SkipLast(2).ToArray());
        var rows = Rows(stdout);
        var id = JobsView.Id(Value(rows, "job"));
        var shown = Parse((await RunAsync(Json(host, "jobs", "show", id))).Stdout);

        Assert.True(code == CliApp.Ok, stderr);
        Assert.Equal("", stderr);
        var accuracy = shown.GetProperty("metrics").GetProperty("evaluations")[0].GetProperty("accuracy").GetDouble();
        var formatted = accuracy.ToString("F4", CultureInfo.InvariantCulture);
        Assert.Equal("SUCCEEDED", Value(rows, "state"));
        Assert.Equal("models/fm-table/versions/1", Value(rows, "model version"));
        Assert.Equal(formatted, Value(rows, "accuracy"));
        var split = Assert.Single(rows, r => r[0] == Version);
        Assert.Equal(["TEST", formatted], split[1..3]);
        Assert.Equal("200", split[4]);
    }

    [Fact]
    public async Task Jobs_FailedWithErrorDetails_JsonCarriesTheDetails()
    {
        await using var host = await StartWithSliceAsync();
        var created = await RunAsync(Train(host, "fm-diverges", "--optimizer", "sgd", "--lr", "1e30"));
        var name = Parse(created.Stdout).GetProperty("name").GetString()!;

        var watch = await RunAsync(TrainingTimeout, Json(host, "jobs", "watch", name));
        var show = await RunAsync(Json(host, "jobs", "show", JobsView.Id(name)));
        var list = await RunAsync(Json(host, "jobs", "list", "--state", "failed"));

        // The job's google.rpc.Status packs an ErrorInfo in an Any, which JSON can write only with its type known.
        Assert.Equal(CliApp.ServerError, watch.Code);
        Assert.All(new[] { show, list }, r => Assert.True(r.Code == CliApp.Ok, r.Stderr));
        var error = Parse(show.Stdout).GetProperty("error");
        Assert.Equal((int)Grpc.Core.StatusCode.FailedPrecondition, error.GetProperty("code").GetInt32());
        var detail = Assert.Single(error.GetProperty("details").EnumerateArray());
        Assert.Equal("type.googleapis.com/google.rpc.ErrorInfo", detail.GetProperty("@type").GetString());
        Assert.Equal("LOSS_NOT_FINITE", detail.GetProperty("reason").GetString());
        var listed = Assert.Single(Parse(list.Stdout).GetProperty("trainingJobs").EnumerateArray());
        Assert.Equal(name, listed.GetProperty("name").GetString());
        Assert.Equal("TRAINING_JOB_STATE_FAILED",
            Parse(watch.Stdout.TrimEnd().Split('\n')[^1]).GetProperty("trainingJob").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Jobs_ListShowWatchAndCancelFinished_JsonValuesAndFailedPrecondition()
    {
        await using var host = await StartWithSliceAsync();
        var created = await RunAsync(Train(host, "fm-jobs"));
        var name = Parse(created.Stdout).GetProperty("name").GetString()!;
        var id = JobsView.Id(name);

        var watch = await RunAsync(TrainingTimeout, Json(host, "jobs", "watch", name));
        var list = await RunAsync(Json(host, "jobs", "list"));
        var succeeded = await RunAsync(Json(host, "jobs", "list", "--state", "succeeded"));
        var failed = await RunAsync(Json(host, "jobs", "list", "--state", "failed"));
        var show = await RunAsync(Json(host, "jobs", "show", id));
        var table = await RunAsync("jobs", "show", id, "--server", host.Address);
        var cancel = await RunAsync(Json(host, "jobs", "cancel", id));

        Assert.All(new[] { created, watch, list, succeeded, failed, show, table },
            r => Assert.True(r.Code == CliApp.Ok, r.Stderr));
        Assert.Equal("TRAINING_JOB_STATE_QUEUED", Parse(created.Stdout).GetProperty("state").GetString());
        Assert.Equal("TRAINING_JOB_STATE_SUCCEEDED",
            Parse(watch.Stdout.TrimEnd().Split('\n')[^1]).GetProperty("trainingJob").GetProperty("state").GetString());
        var listed = Assert.Single(Parse(list.Stdout).GetProperty("trainingJobs").EnumerateArray());
        Assert.Equal(name, listed.GetProperty("name").GetString());
        Assert.Equal("models/fm-jobs/versions/1", listed.GetProperty("modelVersion").GetString());
        Assert.Equal(list.Stdout, succeeded.Stdout);
        Assert.False(Parse(failed.Stdout).TryGetProperty("trainingJobs", out _));
        var job = Parse(show.Stdout);
        Assert.Equal(name, job.GetProperty("name").GetString());
        Assert.Equal("TRAINING_JOB_STATE_SUCCEEDED", job.GetProperty("state").GetString());
        var spec = job.GetProperty("spec");
        Assert.Equal([32], spec.GetProperty("architecture").GetProperty("mlp").GetProperty("hiddenSizes")
            .EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("OPTIMIZER_KIND_ADAM", spec.GetProperty("optimizer").GetProperty("kind").GetString());
        Assert.Equal(0.003, spec.GetProperty("optimizer").GetProperty("learningRate").GetDouble());
        Assert.Equal("models/fm-jobs", spec.GetProperty("registerModel").GetString());
        var history = job.GetProperty("metricHistory").EnumerateArray()
            .Where(p => p.GetProperty("scope").GetString() == "METRIC_SCOPE_EPOCH").ToList();
        Assert.Equal([1, 2], history.Select(p => p.GetProperty("epoch").GetInt32()));
        var rows = Rows(table.Stdout);
        var epochTwo = Assert.Single(rows, r => r.Length == 6 && r[0] == "2");
        Assert.Equal(history[1].GetProperty("loss").GetDouble().ToString("F4", CultureInfo.InvariantCulture),
            epochTwo[2]);
        Assert.Equal(CliApp.ServerError, cancel.Code);
        Assert.Equal("", cancel.Stdout);
        Assert.Equal($"FailedPrecondition: {name} already succeeded; only queued or running jobs can be cancelled.",
            cancel.Stderr.TrimEnd());
    }

    [Fact]
    public async Task JobsWatch_InterruptedThenJobCancelled_ExitsInterruptedThenOneWithCancelledError()
    {
        await using var host = await StartWithSliceAsync();
        var created = await RunAsync(Train(host, "fm-long", "--epochs", "500"));
        var name = Parse(created.Stdout).GetProperty("name").GetString()!;
        using var stop = new CancellationTokenSource();
        var stdout = new CancelAfterLines(2, stop);
        var stderr = new StringWriter();

        // Stopped by its cancellation token, as Ctrl-C stops it, after the job and one progress message.
        var interrupted = await CliApp.RunAsync(Json(host, "jobs", "watch", name), stdout, stderr, stop.Token)
            .WaitAsync(TrainingTimeout);
        var cancel = await RunAsync(Json(host, "jobs", "cancel", name));
        var watch = await RunAsync(TrainingTimeout, Json(host, "jobs", "watch", name));

        Assert.Equal(CliApp.Interrupted, interrupted);
        Assert.Equal($"Stopped watching; {name} keeps running. Follow it again with: continuum jobs watch "
            + JobsView.Id(name), stderr.ToString().TrimEnd());
        Assert.True(cancel.Code == CliApp.Ok, cancel.Stderr);
        Assert.Equal(name, Parse(cancel.Stdout).GetProperty("name").GetString());
        Assert.Equal(CliApp.ServerError, watch.Code);
        Assert.Equal("Cancelled: Cancelled by CancelTrainingJob.", watch.Stderr.TrimEnd());
        Assert.Equal("TRAINING_JOB_STATE_CANCELLED",
            Parse(watch.Stdout.TrimEnd().Split('\n')[^1]).GetProperty("trainingJob").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Train_ValidateOnly_SpecCarriesEveryFlagAndHashPrefixResolves()
    {
        await using var host = await StartWithSliceAsync();
        var sha = Parse((await RunAsync(Json(host, "datasets", "show", "fm@1"))).Stdout)
            .GetProperty("contentSha256").GetString()!;

        var (code, stdout, stderr) = await RunAsync(Json(host, "train", "--dataset", $"fm@{sha[..10]}",
            "--model", "cnn", "--hidden", "48", "--conv", "8,16", "--kernel", "5", "--dropout", "0.25",
            "--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--weight-decay", "0.0001",
            "--schedule", "step", "--epochs", "6", "--batch", "32", "--seed", "9", "--device", "cpu",
            "--eval", "fm@latest", "--register", "fm-cnn", "--validate-only"));

        Assert.True(code == CliApp.Ok, stderr);
        var spec = Parse(stdout).GetProperty("spec");
        Assert.Equal([Version], Strings(spec.GetProperty("trainingDatasetVersions")));
        Assert.Equal([Version], Strings(spec.GetProperty("evaluationDatasetVersions")));
        Assert.Equal("""{"convChannels":[8,16],"kernelSize":5,"fullyConnectedSizes":[48],"dropout":0.25}""",
            spec.GetProperty("architecture").GetProperty("cnn").GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.Equal("""{"kind":"OPTIMIZER_KIND_SGD","learningRate":0.05,"momentum":0.9,"weightDecay":0.0001}""",
            spec.GetProperty("optimizer").GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.Equal("""{"kind":"SCHEDULE_KIND_STEP","stepEpochs":2,"gamma":0.1}""",
            spec.GetProperty("learningRateSchedule").GetRawText().Replace(" ", "").Replace("\n", ""));
        Assert.Equal(32, spec.GetProperty("batchSize").GetInt32());
        Assert.Equal("9", spec.GetProperty("seed").GetString());
        Assert.Equal("DEVICE_CPU", spec.GetProperty("device").GetString());
        Assert.Equal("models/fm-cnn", spec.GetProperty("registerModel").GetString());
    }

    [Theory]
    [InlineData("--lr", "0", "InvalidArgument: training_job.spec.optimizer.learning_rate: must be positive and "
        + "finite, got 0.")]
    [InlineData("--dataset", "nope@1", "NotFound: dataset 'datasets/nope' was not found.")]
    [InlineData("--from", "nothing@champion", "NotFound: model 'models/nothing' was not found.")]
    public async Task Train_RefusedByTheServer_CodeAndMessageOnStderrExitOne(string flag, string value,
        string error)
    {
        await using var host = await StartWithSliceAsync();

        var (code, stdout, stderr) = await RunAsync(Train(host, "fm-bad", flag, value));

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith(error, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("train", "--dataset", "fm", "--model", "rnn", "--register", "m")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "Bad")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "m", "--hidden", "32,0")]
    [InlineData("train", "--dataset", "fm", "--model", "cnn", "--register", "m", "--conv", "a,b")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "m", "--optimizer", "lbfgs")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "m", "--from", "m@0")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "m", "--strategy", "gem")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "m", "--lr", "fast")]
    [InlineData("train", "--dataset", "fm", "--model", "mlp", "--register", "m", "--validate-only", "--watch")]
    [InlineData("jobs", "show", "trainingJobs/a/b")]
    [InlineData("jobs", "list", "--state", "done")]
    public async Task Parse_BadTrainingUsage_ExitsTwoBeforeAnyCall(params string[] args)
    {
        // Nothing listens on port 1: a call made despite the bad usage would exit 1, not 2.
        await CliRun.AssertUsageErrorAsync([.. args, "--server", "http://127.0.0.1:1"]);
    }

    private static async Task<RunningHost> StartWithSliceAsync()
    {
        var host = await RunningHost.StartAsync(Backend.Embedded);
        await TrainingClient.UploadSliceAsync(host.Channel, train: 1000, test: 200);
        return host;
    }

    /// <summary>
    /// A two-epoch MLP on <c>fm</c> registered as <paramref name="model"/>, in JSON; <paramref name="more"/> adds
    /// flags or replaces these (an option given twice is a usage error).
    /// </summary>
    private static string[] Train(RunningHost host, string model, params string[] more)
    {
        var flags = new Dictionary<string, string>
        {
            ["--dataset"] = "fm", ["--model"] = "mlp", ["--hidden"] = "32", ["--epochs"] = "2", ["--lr"] = "0.003",
            ["--seed"] = "7", ["--device"] = "cpu", ["--register"] = model,
        };
        return Json(host, ["train", .. CliRun.Flags(flags, more)]);
    }

    private static string Value(List<string[]> rows, string key) => Assert.Single(rows, r => r[0] == key)[1];

    /// <summary>The cells of every table row, borders and padding removed.</summary>
    private static List<string[]> Rows(string table) => table.Split('\n')
        .Where(line => line.Contains('│'))
        .Select(line => line.Split('│').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray())
        .ToList();

    private static IEnumerable<string?> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString());

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
