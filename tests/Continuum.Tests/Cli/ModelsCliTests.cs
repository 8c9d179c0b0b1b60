using System.Text.Json;
using Continuum.Cli;
using Continuum.Cli.Commands.Models;
using Continuum.Registry.V1;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Registry;
using static Continuum.Tests.Cli.CliRun;

namespace Continuum.Tests.Cli;

/// <summary><c>continuum models ...</c> against the embedded host, with versions registered over gRPC.</summary>
public sealed class ModelsCliTests
{
    // Over three chunks, so a download and its resume cross chunk boundaries.
    private static readonly byte[] First = RegistryClient.Artifact(3 * RegistryClient.ChunkBytes + 100, seed: 1);
    private static readonly byte[] Second = RegistryClient.Artifact(5_000, seed: 2);

    private const string Old = "datasets/fm/versions/1";
    private const string New = "datasets/fm/versions/2";

    private const string Improved =
        "accuracy on datasets/fm/versions/2 rose by 0.200 (0.700 to 0.900), meeting the required improvement 0.010.";

    private const string Forgot = "accuracy on datasets/fm/versions/1 fell by 0.120, more than the bound 0.050.";

    [Fact]
    public async Task Models_ListVersionsShowAndAliases_JsonCarriesTheRegisteredValues()
    {
        await using var host = await StartWithDigitsAsync();
        string[] Json(params string[] args) => [.. args, "--server", host.Address, "--output", "json"];

        var set = await RunAsync(Json("models", "alias", "set", "digits", "champion", "1", "--reason", "first"));
        var list = await RunAsync(Json("models", "list"));
        var versions = await RunAsync(Json("models", "versions", "digits"));
        var champion = await RunAsync(Json("models", "show", "digits@champion"));
        var latest = await RunAsync(Json("models", "show", "digits@latest"));
        var delete = await RunAsync(Json("models", "alias", "delete", "digits", "champion"));
        var gone = await RunAsync(Json("models", "show", "digits@champion"));

        Assert.All(new[] { set, list, versions, champion, latest, delete }, r => Assert.True(r.Code == 0, r.Stderr));
        var alias = Parse(set.Stdout).GetProperty("alias");
        Assert.Equal("models/digits/aliases/champion", alias.GetProperty("name").GetString());
        Assert.Equal("models/digits/versions/1", alias.GetProperty("modelVersion").GetString());
        Assert.Equal("first", alias.GetProperty("reason").GetString());
        var model = Assert.Single(Parse(list.Stdout).GetProperty("registeredModels").EnumerateArray());
        Assert.Equal("models/digits", model.GetProperty("name").GetString());
        Assert.Equal(2, model.GetProperty("versionCount").GetInt32());
        Assert.Equal("models/digits/versions/2", model.GetProperty("latestVersion").GetString());
        var listed = Parse(versions.Stdout).GetProperty("modelVersions").EnumerateArray().ToList();
        Assert.Equal(["models/digits/versions/1", "models/digits/versions/2"],
            listed.Select(v => v.GetProperty("name").GetString()));
        Assert.Equal(RegistryClient.Sha256(Second),
            listed[1].GetProperty("artifact").GetProperty("sha256").GetString());
        var shown = Parse(champion.Stdout);
        Assert.Equal("models/digits/versions/1", shown.GetProperty("name").GetString());
        Assert.Equal(["champion"], shown.GetProperty("aliases").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(0.875, shown.GetProperty("metrics").GetProperty("averageAccuracy").GetDouble());
        Assert.Equal(First.Length.ToString(), shown.GetProperty("artifact").GetProperty("sizeBytes").GetString());
        Assert.Equal("models/digits/versions/2", Parse(latest.Stdout).GetProperty("name").GetString());
        Assert.Equal("{}", delete.Stdout.Trim());
        Assert.Equal(CliApp.ServerError, gone.Code);
        Assert.StartsWith("NotFound:", gone.Stderr);
    }

    [Fact]
    public async Task Models_VersionsTable_ShowsNumberShaPrefixAliasAndAccuracy()
    {
        await using var host = await StartWithDigitsAsync();
        await RunAsync("models", "alias", "set", "digits", "champion", "latest", "--server", host.Address);

        var (code, stdout, stderr) = await RunAsync("models", "versions", "digits", "--server", host.Address);

        Assert.True(code == CliApp.Ok, stderr);
        var rows = stdout.Split('\n');
        var first = Assert.Single(rows, r => r.Contains(RegistryClient.Sha256(First)[..12]));
        var second = Assert.Single(rows, r => r.Contains(RegistryClient.Sha256(Second)[..12]));
        Assert.Contains("0.8750", first);
        Assert.Contains("3.0 MiB", first);
        Assert.DoesNotContain("champion", first);
        Assert.Contains("champion", second);
        Assert.Contains("READY", second);
    }

    [Fact]
    public async Task Download_WholeArtifactByAlias_FileMatchesAndNoPartialLeft()
    {
        await using var host = await StartWithDigitsAsync();
        await RunAsync("models", "alias", "set", "digits", "champion", "1", "--server", host.Address);
        var dir = TestEnvironment.NewTempDir();
        var file = Path.Combine(dir, "digits.pt");

        var (code, stdout, stderr) = await RunAsync("models", "download", "digits@champion", "-o", file,
            "--server", host.Address, "--output", "json");

        Assert.True(code == CliApp.Ok, stderr);
        Assert.Equal(First, await File.ReadAllBytesAsync(file));
        Assert.Equal([file], Directory.GetFiles(dir));
        var json = Parse(stdout);
        Assert.Equal("models/digits/versions/1", json.GetProperty("modelVersion").GetString());
        Assert.Equal(RegistryClient.Sha256(First), json.GetProperty("sha256").GetString());
        Assert.Equal(First.Length, json.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(0, json.GetProperty("resumedFromBytes").GetInt64());
        Assert.Equal("ARTIFACT_FORMAT_TORCHSHARP", json.GetProperty("format").GetString());
    }

    [Fact]
    public async Task Download_PartialFileLeftBehind_ResumesAtItsLength()
    {
        await using var host = await StartWithDigitsAsync();
        var dir = TestEnvironment.NewTempDir();
        var file = Path.Combine(dir, "digits.pt");
        var prefix = RegistryClient.ChunkBytes + 17;
        await File.WriteAllBytesAsync(Partial(file, First), First[..prefix]);

        var (code, stdout, stderr) = await RunAsync("models", "download", "digits@1", "-o", file,
            "--server", host.Address, "--output", "json");

        Assert.True(code == CliApp.Ok, stderr);
        Assert.Equal(prefix, Parse(stdout).GetProperty("resumedFromBytes").GetInt64());
        Assert.Equal(First, await File.ReadAllBytesAsync(file));
        Assert.Equal([file], Directory.GetFiles(dir));
    }

    [Fact]
    public async Task Download_CorruptPartialFile_DataLossExitOneAndNothingSaved()
    {
        await using var host = await StartWithDigitsAsync();
        var dir = TestEnvironment.NewTempDir();
        var file = Path.Combine(dir, "digits.pt");
        // Bytes of the right length but not the artifact's: only the digest can tell.
        await File.WriteAllBytesAsync(Partial(file, First), RegistryClient.Artifact(1000, seed: 99));

        var (code, stdout, stderr) = await RunAsync("models", "download", "digits@1", "-o", file,
            "--server", host.Address, "--output", "json");

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("DataLoss:", stderr);
        Assert.Contains(RegistryClient.Sha256(First), stderr);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public async Task Models_UnknownModel_NotFoundOnStderrAndExitsOne()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var file = Path.Combine(TestEnvironment.NewTempDir(), "x.pt");

        var results = new[]
        {
            await RunAsync("models", "versions", "nope", "--server", host.Address, "--output", "json"),
            await RunAsync("models", "show", "nope@3", "--server", host.Address),
            await RunAsync("models", "download", "nope@champion", "-o", file, "--server", host.Address),
        };

        Assert.All(results, r =>
        {
            Assert.Equal(CliApp.ServerError, r.Code);
            Assert.Equal("", r.Stdout);
            Assert.StartsWith("NotFound:", r.Stderr);
            Assert.Contains("models/nope", r.Stderr);
        });
        Assert.False(File.Exists(file));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(file)!));
    }

    [Fact]
    public async Task Lineage_MiddleOfChain_TableAndJsonListExactAncestorsAndDescendants()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        await registry.UploadAsync("fm", RegistryClient.Artifact(100, seed: 1));
        await registry.UploadAsync("fm", RegistryClient.Artifact(100, seed: 2), u => u.ModelVersion.Lineage =
            new ModelVersionLineage
            {
                TrainingDatasetVersions = { New }, ParentModelVersion = "models/fm/versions/1",
            });
        await registry.UploadAsync("fm", RegistryClient.Artifact(100, seed: 3), u => u.ModelVersion.Lineage =
            new ModelVersionLineage { ParentModelVersion = "models/fm/versions/2" });

        var table = await RunAsync("models", "lineage", "fm@2", "--server", host.Address);
        var json = await RunAsync("models", "lineage", "fm@2", "--server", host.Address, "--output", "json");

        Assert.True(table.Code == CliApp.Ok, table.Stderr);
        Assert.True(json.Code == CliApp.Ok, json.Stderr);
        Assert.Equal(
            [
                ["DIRECTION", "DEPTH", "RELATION", "UPSTREAM", "DOWNSTREAM"],
                ["ancestor", "1", "TRAINED_ON", New, "models/fm/versions/2"],
                ["ancestor", "1", "PARENT_VERSION", "models/fm/versions/1", "models/fm/versions/2"],
                ["descendant", "1", "PARENT_VERSION", "models/fm/versions/2", "models/fm/versions/3"],
            ],
            Rows(table.Stdout));
        var lineage = Parse(json.Stdout);
        Assert.Equal(
            [
                (New, "models/fm/versions/2", "LINEAGE_RELATION_TRAINED_ON", 1),
                ("models/fm/versions/1", "models/fm/versions/2", "LINEAGE_RELATION_PARENT_VERSION", 1),
            ],
            Edges(lineage.GetProperty("ancestors")));
        Assert.Equal(
            [("models/fm/versions/2", "models/fm/versions/3", "LINEAGE_RELATION_PARENT_VERSION", 1)],
            Edges(lineage.GetProperty("descendants")));
    }

    [Fact]
    public async Task Gate_SetThenShow_JsonCarriesTheValuesSet()
    {
        await using var host = await StartWithDigitsAsync();

        var set = await RunAsync("models", "gate", "set", "digits", "--alias", "production", "--min-improvement",
            "0.02", "--max-forgetting", "0.05", "--server", host.Address, "--output", "json");
        var show = await RunAsync("models", "gate", "show", "digits", "--server", host.Address, "--output", "json");

        Assert.True(set.Code == CliApp.Ok, set.Stderr);
        Assert.True(show.Code == CliApp.Ok, show.Stderr);
        var gate = Parse(show.Stdout).GetProperty("promotionGate");
        Assert.Equal("models/digits/promotionGate", gate.GetProperty("name").GetString());
        Assert.Equal("production", gate.GetProperty("alias").GetString());
        Assert.Equal(0.02, gate.GetProperty("minImprovement").GetDouble());
        Assert.Equal(0.05, gate.GetProperty("maxForgetting").GetDouble());
        Assert.False(gate.TryGetProperty("maxSizeBytes", out _));
        Assert.False(gate.TryGetProperty("maxLatencyMs", out _));
        Assert.True(gate.TryGetProperty("updateTime", out _));
        Assert.Equal(set.Stdout, show.Stdout);
    }

    [Fact]
    public async Task Gate_SetForgettingAboveOne_RefusedBeforeAnyCallAndGateUnchanged()
    {
        // The CLI checks each bound as the registry does, so a bad value never reaches the server and is a usage
        // error; the registry's own InvalidArgument for it is covered by PromotionGatesApiTests.
        await using var host = await StartWithDigitsAsync();

        var (code, stdout, stderr) = await RunAsync("models", "gate", "set", "digits", "--max-forgetting", "2",
            "--server", host.Address, "--output", "json");
        var show = await RunAsync("models", "gate", "show", "digits", "--server", host.Address, "--output", "json");

        Assert.Equal(CliApp.UsageError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("--max-forgetting must be a finite number between 0 and 1; got 2.", stderr);
        Assert.True(show.Code == CliApp.Ok, show.Stderr);
        Assert.Equal("""
            {
              "promotionGate": {
                "name": "models/digits/promotionGate",
                "alias": "champion"
              }
            }
            """, show.Stdout.TrimEnd());
    }

    [Fact]
    public async Task Evaluate_ForgetsOldSplitBeyondBound_TableGivesEveryReasonJsonFailsNamingTheSplit()
    {
        await using var host = await StartWithFmAsync(0.83);

        var table = await RunAsync("models", "evaluate", "fm@2", "--server", host.Address);
        var json = await RunAsync("models", "evaluate", "fm@latest", "--server", host.Address, "--output", "json");

        Assert.True(table.Code == CliApp.Ok, table.Stderr);
        Assert.True(json.Code == CliApp.Ok, json.Stderr);
        // Piped output carries no colour escapes around FAILED or FAIL.
        Assert.DoesNotContain('\u001b', table.Stdout);
        Assert.Equal("models/fm/versions/2 against champion = models/fm/versions/1: FAILED",
            table.Stdout.Split('\n')[0]);
        Assert.Equal(
            [
                ["CHECK", "DATASET", "CANDIDATE", "CHAMPION", "THRESHOLD", "RESULT", "REASON"],
                ["NEW_DATA_IMPROVEMENT", New, "0.9", "0.7", "0.01", "pass", Improved],
                ["OLD_DATA_FORGETTING", Old, "0.83", "0.95", "0.05", "FAIL", Forgot],
            ],
            Rows(table.Stdout));
        var evaluation = Parse(json.Stdout).GetProperty("evaluation");
        Assert.False(evaluation.GetProperty("passed").GetBoolean());
        Assert.Equal("models/fm/versions/2", evaluation.GetProperty("candidateVersion").GetString());
        Assert.Equal("models/fm/versions/1", evaluation.GetProperty("championVersion").GetString());
        Assert.Equal("champion", evaluation.GetProperty("alias").GetString());
        Assert.Equal(
            [
                ("GATE_CHECK_KIND_NEW_DATA_IMPROVEMENT", New, true, Improved),
                ("GATE_CHECK_KIND_OLD_DATA_FORGETTING", Old, false, Forgot),
            ],
            evaluation.GetProperty("checks").EnumerateArray().Select(c => (c.GetProperty("kind").GetString()!,
                c.GetProperty("datasetVersion").GetString()!, c.GetProperty("passed").GetBoolean(),
                c.GetProperty("reason").GetString()!)));
    }

    [Fact]
    public async Task Promote_FailingThenPassingCandidate_RefusesNamingTheSplitThenMovesChampion()
    {
        await using var host = await StartWithFmAsync(0.83, 0.93);
        string[] Champion() => ["models", "show", "fm@champion", "--server", host.Address, "--output", "json"];

        var refused = await RunAsync("models", "promote", "fm@2", "--reason", "better", "--server", host.Address);
        var unchanged = await RunAsync(Champion());
        var promoted = await RunAsync("models", "promote", "fm@3", "--reason", "better", "--server", host.Address,
            "--output", "json");
        var moved = await RunAsync(Champion());

        Assert.Equal(CliApp.ServerError, refused.Code);
        Assert.Equal("", refused.Stdout);
        Assert.Equal("FailedPrecondition: models/fm/versions/2 did not pass the gate of alias champion: " + Forgot,
            refused.Stderr.TrimEnd());
        Assert.Equal("models/fm/versions/1", Parse(unchanged.Stdout).GetProperty("name").GetString());
        Assert.True(promoted.Code == CliApp.Ok, promoted.Stderr);
        var response = Parse(promoted.Stdout);
        Assert.Equal("models/fm/aliases/champion", response.GetProperty("alias").GetProperty("name").GetString());
        Assert.Equal("models/fm/versions/3", response.GetProperty("alias").GetProperty("modelVersion").GetString());
        Assert.True(response.GetProperty("alias").GetProperty("gated").GetBoolean());
        Assert.Equal("better", response.GetProperty("alias").GetProperty("reason").GetString());
        Assert.Equal("models/fm/versions/1", response.GetProperty("previousModelVersion").GetString());
        Assert.True(response.GetProperty("evaluation").GetProperty("passed").GetBoolean());
        Assert.True(moved.Code == CliApp.Ok, moved.Stderr);
        Assert.Equal("models/fm/versions/3", Parse(moved.Stdout).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Watch_FromCursorZero_OneJsonObjectPerChangeInCommitOrderUntilCancelled()
    {
        await using var host = await StartWithDigitsAsync();
        await RunAsync("models", "alias", "set", "digits", "champion", "1", "--server", host.Address);
        using var stop = new CancellationTokenSource();
        // Stopped by its cancellation token, as Ctrl-C stops it, once the three changes so far are printed.
        var stdout = new CancelAfterLines(3, stop);
        var stderr = new StringWriter();

        var code = await CliApp.RunAsync(
            ["models", "watch", "digits", "--from-cursor", "0", "--server", host.Address, "--output", "json"],
            stdout, stderr, stop.Token).WaitAsync(TestEnvironment.Timeout);

        Assert.True(code == CliApp.Ok, stderr.ToString());
        Assert.Equal("", stderr.ToString());
        var lines = stdout.ToString().TrimEnd().Split('\n');
        Assert.Equal(3, lines.Length);
        var changes = lines.Select(Parse).ToList();
        Assert.Equal(["1", "2", "3"], changes.Select(c => c.GetProperty("cursor").GetString()));
        Assert.Equal(["1", "2"], changes.Take(2).Select(c =>
            c.GetProperty("modelVersionCreated").GetProperty("versionNumber").GetString()));
        Assert.Equal(RegistryClient.Sha256(Second),
            changes[1].GetProperty("modelVersionCreated").GetProperty("artifactSha256").GetString());
        var alias = changes[2].GetProperty("modelAliasChanged");
        Assert.Equal("models/digits/aliases/champion", alias.GetProperty("alias").GetString());
        Assert.Equal("models/digits/versions/1", alias.GetProperty("modelVersion").GetString());
    }

    [Fact]
    public async Task Watch_CursorNotANumber_InvalidArgumentNamingStartCursor()
    {
        await using var host = await StartWithDigitsAsync();

        var (code, stdout, stderr) = await RunAsync("models", "watch", "digits", "--from-cursor", "abc",
            "--server", host.Address, "--output", "json");

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.Equal("InvalidArgument: start_cursor: is not a cursor returned by this call.", stderr.TrimEnd());
    }

    [Theory]
    [InlineData("models", "show", "digits@")]
    [InlineData("models", "show", "digits@0")]
    [InlineData("models", "show", "digits@-1")]
    [InlineData("models", "show", "digits@01")]
    [InlineData("models", "show", "Digits@1")]
    [InlineData("models", "show", "digits@1@2")]
    [InlineData("models", "show", "@1")]
    [InlineData("models", "show", "digits@Champion")]
    [InlineData("models", "versions", "no/such")]
    [InlineData("models", "download", "digits@1")]
    [InlineData("models", "download", "digits@1", "-o", "/tmp")]
    [InlineData("models", "download", "digits@1", "-o", "/nonexistent/dir/x.pt")]
    [InlineData("models", "download", "digits@1", "-o", "x.pt", "--format", "onnx")]
    [InlineData("models", "alias", "set", "digits", "latest", "1")]
    [InlineData("models", "alias", "set", "digits", "7up", "1")]
    [InlineData("models", "alias", "set", "digits", "champion", "v1!")]
    [InlineData("models", "gate", "set", "digits", "--max-forgetting", "1.5")]
    [InlineData("models", "gate", "set", "digits", "--min-improvement", "NaN")]
    [InlineData("models", "lineage", "digits@1", "--max-depth", "-1")]
    public async Task Models_BadUsage_ExitsTwo(params string[] args)
    {
        await CliRun.AssertUsageErrorAsync(args);
    }

    [Fact]
    public async Task Show_UncompressedVersionAndUnsetGate_ReadAsFloat32AndNoBlankAuthor()
    {
        await using var host = await StartWithDigitsAsync();

        var show = await RunAsync("models", "show", "digits@1", "--server", host.Address);
        var gate = await RunAsync("models", "gate", "set", "digits", "--max-forgetting", "0.2",
            "--server", host.Address);

        Assert.True(show.Code == CliApp.Ok, show.Stderr);
        Assert.True(gate.Code == CliApp.Ok, gate.Stderr);
        // The proto reads an unset weight encoding as float32; the table says what it means, not UNSPECIFIED.
        Assert.Contains(Rows(show.Stdout), r => r.SequenceEqual(["weights", "FLOAT32"]));
        var updated = Assert.Single(Rows(gate.Stdout), r => r[0] == "updated");
        Assert.DoesNotMatch(" by ?$", updated[1]);
    }

    /// <summary>A host with model <c>digits</c>: version 1 (3 MiB, average accuracy 0.875) and version 2.</summary>
    private static async Task<RunningHost> StartWithDigitsAsync()
    {
        var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("digits");
        await registry.UploadAsync("digits", First, m => m.ModelVersion.Metrics = new ModelMetrics
        {
            AverageAccuracy = 0.875, Forgetting = 0.05,
        });
        await registry.UploadAsync("digits", Second);
        return host;
    }

    /// <summary>
    /// A host with model <c>fm</c>: version 1 (the champion) evaluated on the old split at 0.95 and the new one at
    /// 0.70, one candidate per value of <paramref name="candidatesOnOld"/> at that on the old split and 0.90 on the
    /// new one, and a gate asking for 0.01 more on the new split and at most 0.05 lost on the old one.
    /// </summary>
    private static async Task<RunningHost> StartWithFmAsync(params double[] candidatesOnOld)
    {
        var host = await RunningHost.StartAsync(Backend.Embedded);
        var registry = new RegistryClient(host.Channel);
        await registry.CreateModelAsync("fm");
        var seed = 0;
        foreach (var (old, @new) in candidatesOnOld.Select(a => (a, 0.90)).Prepend((0.95, 0.70)))
        {
            await registry.UploadAsync("fm", RegistryClient.Artifact(100, ++seed), u => u.ModelVersion.Metrics =
                new ModelMetrics { Evaluations = { Split(Old, old), Split(New, @new) } });
        }

        var champion = await RunAsync("models", "alias", "set", "fm", "champion", "1", "--server", host.Address);
        var gate = await RunAsync("models", "gate", "set", "fm", "--min-improvement", "0.01", "--max-forgetting",
            "0.05", "--server", host.Address);
        Assert.True(champion.Code == CliApp.Ok, champion.Stderr);
        Assert.True(gate.Code == CliApp.Ok, gate.Stderr);
        return host;
    }

    private static SplitEvaluation Split(string dataset, double accuracy) =>
        new() { DatasetVersion = dataset, Split = Continuum.Data.V1.Split.Test, Accuracy = accuracy };

    /// <summary>The cells of each row of a table, header first, without its borders.</summary>
    private static List<string[]> Rows(string table) =>
        table.Split('\n').Where(l => l.Contains('│'))
            .Select(l => l.Split('│')[1..^1].Select(c => c.Trim()).ToArray()).ToList();

    private static IEnumerable<(string, string, string, int)> Edges(JsonElement edges) =>
        edges.EnumerateArray().Select(e => (e.GetProperty("upstream").GetString()!,
            e.GetProperty("downstream").GetString()!, e.GetProperty("relation").GetString()!,
            e.GetProperty("depth").GetInt32()));

    private static string Partial(string file, byte[] artifact) =>
        DownloadCommand.PartialPath(file, RegistryClient.Sha256(artifact), ArtifactFormat.Unspecified);

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
