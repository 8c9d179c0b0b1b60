using System.Text.Json;
using Continuum.Cli;
using Continuum.Cli.Commands.Training;
using Continuum.Data.V1;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Training;
using Continuum.Training.V1;
using static Continuum.Tests.Cli.CliRun;

namespace Continuum.Tests.Cli;

/// <summary>
/// <c>continuum policies ...</c> against the embedded host, following dataset <c>fm</c> (created empty, Fashion-MNIST's
/// schema) with a one-epoch MLP; the one test that needs a run uploads 1,000 training and 200 test examples.
/// </summary>
public sealed class PoliciesCliTests
{
    // A run trains on two cores shared with the rest of the suite, so it gets more than one call's timeout.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task Policies_CreateListShowJson_TemplateFromTheFlagsAndGateWrittenToTheRegistry()
    {
        await using var host = await StartWithDatasetAsync();

        var created = await RunAsync(Json(host, Create("fm-replay", "--model", "models/fm-model",
            "--description", "keeps up with fm", "--min-improvement", "0.01", "--max-forgetting", "0.05")));
        var list = await RunAsync(Json(host, "policies", "list"));
        var show = await RunAsync(Json(host, "policies", "show", "policies/fm-replay"));
        var gate = await RunAsync(Json(host, "models", "gate", "show", "fm-model"));

        Assert.All(new[] { created, list, show, gate }, r => Assert.True(r.Code == CliApp.Ok, r.Stderr));
        var policy = Parse(created.Stdout);
        Assert.Equal("policies/fm-replay", policy.GetProperty("name").GetString());
        Assert.Equal("keeps up with fm", policy.GetProperty("description").GetString());
        Assert.Equal("datasets/fm", policy.GetProperty("dataset").GetString());
        Assert.Equal("models/fm-model", policy.GetProperty("model").GetString());
        var template = policy.GetProperty("trainingTemplate");
        Assert.Equal(300, template.GetProperty("strategy").GetProperty("replay").GetProperty("bufferSize").GetInt32());
        Assert.Equal([32], template.GetProperty("architecture").GetProperty("mlp").GetProperty("hiddenSizes")
            .EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(0.003, template.GetProperty("optimizer").GetProperty("learningRate").GetDouble());
        Assert.Equal(1, template.GetProperty("epochs").GetInt32());
        Assert.Equal("7", template.GetProperty("seed").GetString());
        Assert.Equal("DEVICE_CPU", template.GetProperty("device").GetString());
        // Each arrival fills these; a template that carried them would be refused.
        Assert.False(template.TryGetProperty("registerModel", out _));
        Assert.False(template.TryGetProperty("trainingDatasetVersions", out _));
        // The gate is input only: the registry holds it.
        Assert.False(policy.TryGetProperty("promotionGate", out _));
        Assert.False(policy.TryGetProperty("recentRuns", out _));
        Assert.True(policy.TryGetProperty("createTime", out _));
        var listed = Assert.Single(Parse(list.Stdout).GetProperty("policies").EnumerateArray());
        Assert.True(JsonElement.DeepEquals(policy, listed), listed.GetRawText());
        Assert.Equal(created.Stdout, show.Stdout);
        var written = Parse(gate.Stdout).GetProperty("promotionGate");
        Assert.Equal("models/fm-model/promotionGate", written.GetProperty("name").GetString());
        Assert.Equal(0.01, written.GetProperty("minImprovement").GetDouble());
        Assert.Equal(0.05, written.GetProperty("maxForgetting").GetDouble());
        Assert.True(written.TryGetProperty("updateTime", out _));
    }

    [Fact]
    public async Task Policies_TablesAfterAnArrival_ShowTheRunPromotedWithItsJobAndVersion()
    {
        await using var host = await StartWithDatasetAsync();

        var created = await RunAsync(Table(host, Create("fm-table", "--dataset", "datasets/fm",
            "--max-forgetting", "0.5")));
        var version = await UploadSliceAsync(host);
        var done = await new PolicyClient(host.Channel).WaitForRunsAsync("policies/fm-table", version)
            .WaitAsync(RunTimeout);
        var list = await RunAsync(Table(host, "policies", "list"));
        var show = await RunAsync(Table(host, "policies", "show", "fm-table"));

        Assert.All(new[] { created, list, show }, r => Assert.True(r.Code == CliApp.Ok, r.Stderr));
        var summary = Rows(created.Stdout);
        Assert.Equal("policies/fm-table", Value(summary, "policy"));
        Assert.Equal("datasets/fm", Value(summary, "dataset"));
        Assert.Equal("models/fm-model", Value(summary, "model"));
        Assert.Equal("mlp 32", Value(summary, "architecture"));
        Assert.Equal("replay, buffer 300", Value(summary, "strategy"));
        Assert.Equal("set: alias champion, min improvement 0.0000, max forgetting 0.5000",
            Value(summary, "promotion gate"));
        var run = Assert.Single(done.RecentRuns);
        Assert.True(run.State == PolicyRunState.Promoted, done.ToString());
        var listed = Assert.Single(Rows(list.Stdout), r => r[0] == "policies/fm-table");
        Assert.Equal(["policies/fm-table", "datasets/fm", "models/fm-model", "replay", "PROMOTED"], listed[..5]);
        Assert.Equal("replay, buffer 300", Value(Rows(show.Stdout), "strategy"));
        var shown = Assert.Single(Rows(show.Stdout), r => r[0] == version);
        Assert.Equal([version, "PROMOTED", JobsView.Id(run.TrainingJob), "models/fm-model/versions/1", "yes", "-"],
            shown);
    }

    [Fact]
    public async Task Policies_CreateTwiceDeleteThenShow_AlreadyExistsThenNotFoundNamingThePolicy()
    {
        await using var host = await StartWithDatasetAsync();

        var created = await RunAsync(Table(host, Create("fm-gone")));
        var twice = await RunAsync(Json(host, Create("fm-gone")));
        var delete = await RunAsync(Table(host, "policies", "delete", "fm-gone"));
        var show = await RunAsync(Json(host, "policies", "show", "fm-gone"));
        var again = await RunAsync(Json(host, "policies", "delete", "policies/fm-gone"));
        var list = await RunAsync(Json(host, "policies", "list"));

        Assert.True(created.Code == CliApp.Ok, created.Stderr);
        // Without gate flags the registry's gate is left as it is.
        Assert.Equal("unchanged (continuum models gate show fm-model)", Value(Rows(created.Stdout), "promotion gate"));
        Assert.Equal(CliApp.ServerError, twice.Code);
        Assert.StartsWith("AlreadyExists:", twice.Stderr);
        Assert.Contains("policies/fm-gone", twice.Stderr);
        Assert.True(delete.Code == CliApp.Ok, delete.Stderr);
        Assert.Equal("Deleted policies/fm-gone.", delete.Stdout.TrimEnd());
        Assert.All(new[] { show, again }, r =>
        {
            Assert.Equal(CliApp.ServerError, r.Code);
            Assert.Equal("", r.Stdout);
            Assert.StartsWith("NotFound:", r.Stderr);
            Assert.Contains("policies/fm-gone", r.Stderr);
            Assert.Single(r.Stderr.TrimEnd().Split('\n'));
        });
        Assert.True(list.Code == CliApp.Ok, list.Stderr);
        Assert.Equal("{}", list.Stdout.Trim());
    }

    [Theory]
    [InlineData("--lr", "0", "InvalidArgument: policy.training_template.optimizer.learning_rate: must be positive "
        + "and finite, got 0.")]
    [InlineData("--replay-buffer", "0", "InvalidArgument: policy.training_template.strategy.replay.buffer_size: "
        + "must be 1 to 1000000 examples, got 0.")]
    [InlineData("--dataset", "nope", "NotFound: dataset 'datasets/nope' was not found.")]
    public async Task Create_RefusedByTheServer_CodeAndFieldOnStderrExitOneNothingCreated(string flag, string value,
        string error)
    {
        await using var host = await StartWithDatasetAsync();

        var (code, stdout, stderr) = await RunAsync(Json(host, Create("fm-bad", flag, value)));
        var list = await RunAsync(Json(host, "policies", "list"));

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith(error, stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Equal("{}", list.Stdout.Trim());
    }

    [Theory]
    [InlineData("policies", "create", "p", "--model", "m")]
    [InlineData("policies", "create", "p", "--dataset", "fm")]
    [InlineData("policies", "create", "p", "--dataset", "fm@1", "--model", "m")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "Bad")]
    [InlineData("policies", "create", "P", "--dataset", "fm", "--model", "m")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "m", "--architecture", "rnn")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "m", "--strategy", "gem")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "m", "--hidden", "32,0")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "m", "--max-forgetting", "1.5")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "m", "--alias", "Champion")]
    [InlineData("policies", "create", "p", "--dataset", "fm", "--model", "m", "--register", "m")]
    [InlineData("policies", "show")]
    [InlineData("policies", "show", "policies/a/b")]
    [InlineData("policies", "delete", "../p")]
    public async Task Parse_BadPoliciesUsage_ExitsTwoBeforeAnyCall(params string[] args)
    {
        // Nothing listens on port 1: a call made despite the bad usage would exit 1, not 2.
        await CliRun.AssertUsageErrorAsync([.. args, "--server", "http://127.0.0.1:1"]);
    }

    private static async Task<RunningHost> StartWithDatasetAsync()
    {
        var host = await RunningHost.StartAsync(Backend.Embedded);
        await new DataClient(host.Channel).CreateFashionDatasetAsync("fm");
        return host;
    }

    /// <summary>An arrival: the first 1,000 training and 200 test examples as a new version of <c>fm</c>.</summary>
    private static async Task<string> UploadSliceAsync(RunningHost host)
    {
        var (trainPixels, trainLabels) =
            FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 1000);
        var (testPixels, testLabels) = FashionMnist.ReadSlice(FashionMnist.TestImages, FashionMnist.TestLabels, 200);
        var created = await new DataClient(host.Channel).UploadAsync("fm", DataFormat.Idx,
            DataClient.IdxParts(trainPixels, trainLabels, testPixels, testLabels));
        return created.DatasetVersion.Name;
    }

    /// <summary>
    /// <c>policies create</c> of a one-epoch replay MLP following <c>fm</c> into <c>fm-model</c>;
    /// <paramref name="more"/> adds flags or replaces these (an option given twice is a usage error).
    /// </summary>
    private static string[] Create(string policy, params string[] more)
    {
        var flags = new Dictionary<string, string>
        {
            ["--dataset"] = "fm", ["--model"] = "fm-model", ["--strategy"] = "replay", ["--replay-buffer"] = "300",
            ["--hidden"] = "32", ["--epochs"] = "1", ["--lr"] = "0.003", ["--seed"] = "7", ["--device"] = "cpu",
        };
        return ["policies", "create", policy, .. CliRun.Flags(flags, more)];
    }

    private static string[] Table(RunningHost host, params string[] args) => [.. args, "--server", host.Address];

    private static string Value(List<string[]> rows, string key) => Assert.Single(rows, r => r[0] == key)[1];

    /// <summary>The cells of every table row, borders and padding removed.</summary>
    private static List<string[]> Rows(string table) => table.Split('\n')
        .Where(line => line.Contains('│'))
        .Select(line => line.Split('│').Select(c => c.Trim()).Where(c => c.Length > 0).ToArray())
        .ToList();

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
