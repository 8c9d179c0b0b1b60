using System.Text.Json;
using Continuum.Cli;
using Continuum.Cli.Commands.Demo;
using Continuum.Data.V1;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using Continuum.Tests.Training;
using Continuum.Training.V1;

namespace Continuum.Tests.Cli;

/// <summary>
/// <c>continuum demo</c>: the quick demo end to end in its own embedded suite on real Fashion-MNIST (a fifth of
/// it), the arrivals it cuts, and how a second demo treats one that never finished.
/// </summary>
public sealed class DemoCliTests
{
    // Ten training jobs share two cores with the rest of the suite.
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromMinutes(8);

    [Fact]
    public async Task QuickDemo_Json_ReplayKeepsEarlierArrivalsWhilePlainFineTuningForgetsThem()
    {
        var dataDir = TestEnvironment.NewTempDir();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(DemoTimeout);

        var code = await CliApp.RunAsync(["demo", "--quick", "--output", "json", "--data-dir", dataDir],
            stdout, stderr, timeout.Token);

        Assert.True(code == CliApp.Ok, stderr.ToString());
        using var json = JsonDocument.Parse(stdout.ToString());
        var report = json.RootElement;
        Assert.Equal("demo-1", report.GetProperty("prefix").GetString());
        Assert.Equal("class-incremental", report.GetProperty("scenario").GetString());
        Assert.Equal(Enumerable.Range(1, 5).Select(v => $"datasets/demo-1-fashion/versions/{v}"),
            report.GetProperty("datasetVersions").EnumerateArray().Select(v => v.GetString()));
        var runs = report.GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("strategy").GetString()!);
        Assert.Equal(["replay", "naive"], runs.Keys);
        foreach (var run in runs.Values)
        {
            // Row i holds the accuracy on arrivals 1 to i, after arrival i.
            Assert.Equal([1, 2, 3, 4, 5],
                run.GetProperty("accuracyMatrix").EnumerateArray().Select(r => r.GetArrayLength()));
            Assert.Equal(5, run.GetProperty("versions").GetArrayLength());
        }

        var replay = runs["replay"];
        var naive = runs["naive"];
        var replayAverage = replay.GetProperty("averageAccuracy").GetDouble();
        var naiveAverage = naive.GetProperty("averageAccuracy").GetDouble();
        Assert.True(replayAverage >= 0.65, $"replay {replayAverage}");
        Assert.True(naiveAverage <= 0.35, $"naive {naiveAverage}");
        Assert.True(naive.GetProperty("forgetting").GetDouble() > 0.8, naive.ToString());
        // Plain fine-tuning still learns each arrival: the diagonal is high, the rest of its last row near zero.
        var naiveLast = naive.GetProperty("accuracyMatrix")[4].EnumerateArray().Select(a => a.GetDouble()).ToList();
        Assert.True(naiveLast[4] > 0.9, string.Join(" ", naiveLast));
        Assert.All(naiveLast.Take(4), a => Assert.True(a < 0.1, string.Join(" ", naiveLast)));
        Assert.Equal("models/demo-1-naive/versions/5", naive.GetProperty("champion").GetString());
        var second = replay.GetProperty("versions")[1];
        Assert.Equal("models/demo-1-replay/versions/1", second.GetProperty("parentModelVersion").GetString());
        Assert.Equal(["datasets/demo-1-fashion/versions/2"],
            second.GetProperty("trainingDatasetVersions").EnumerateArray().Select(v => v.GetString()));
        Assert.StartsWith("datasets/demo-1-replay-buffer/versions/",
            second.GetProperty("replayDatasetVersion").GetString(), StringComparison.Ordinal);

        // The story on standard error, events included; the report and its picture under the data directory.
        Assert.Contains("event ModelVersionCreated models/demo-1-replay/versions/5", stderr.ToString(),
            StringComparison.Ordinal);
        Assert.Contains("event DatasetVersionCreated datasets/demo-1-fashion/versions/5", stderr.ToString(),
            StringComparison.Ordinal);
        Assert.Contains("-> models/demo-1-naive/versions/5", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("class-incremental: Pullover, Dress added", stderr.ToString(), StringComparison.Ordinal);
        var folder = Path.Combine(dataDir, "demo", "demo-1");
        Assert.Equal(Path.Combine(folder, "report.md"), report.GetProperty("reportPath").GetString());
        Assert.Contains("| replay |", await File.ReadAllTextAsync(Path.Combine(folder, "report.md")),
            StringComparison.Ordinal);
        var png = await File.ReadAllBytesAsync(Path.Combine(folder, "accuracy.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png.Take(4));
    }

    [Fact]
    public async Task Demo_CancelledHalfway_StopsAtOnceSayingWhatItLeavesAndExits130()
    {
        var dataDir = TestEnvironment.NewTempDir();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        // As Ctrl-C would: the token given to the command is the one its interruption follows.
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(4));

        var started = DateTime.UtcNow;
        var code = await CliApp.RunAsync(["demo", "--quick", "--data-dir", dataDir], stdout, stderr, cancel.Token)
            .WaitAsync(DemoTimeout);

        Assert.Equal(CliApp.Interrupted, code);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), $"stopped after {DateTime.UtcNow - started}");
        Assert.Contains("Stopped. What this demo created so far stays as it is", stderr.ToString(),
            StringComparison.Ordinal);
        Assert.Equal("", stdout.ToString());
        Assert.False(File.Exists(Path.Combine(dataDir, "demo", "demo-1", "report.md")));
    }

    [Fact]
    public async Task NextPrefix_AfterADemoThatStoppedHalfway_CancelsItsJobAndStartsAfreshBesideIt()
    {
        // No worker, so the stopped demo's job stays queued as a killed demo's would.
        await using var host = await RunningHost.StartAsync(Backend.Embedded,
            settings: ["--Continuum:Training:Worker:Enabled=false"]);
        // What a demo killed during its first arrival leaves: its dataset with one version, its policy's job.
        var data = new DataClient(host.Channel);
        await data.CreateFashionDatasetAsync("demo-1-fashion");
        await new PolicyClient(host.Channel).CreateAsync("demo-1-replay",
            PolicyClient.Replay("demo-1-fashion", "demo-1-replay", maxForgetting: 0.3));
        var train = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 100);
        var test = FashionMnist.ReadSlice(FashionMnist.TestImages, FashionMnist.TestLabels, 50);
        await data.UploadAsync("demo-1-fashion", DataFormat.Idx,
            DataClient.IdxParts(train.Images, train.Labels, test.Images, test.Labels));
        var training = new TrainingService.TrainingServiceClient(host.Channel);
        var job = await WaitForJobAsync(training, "policies/demo-1-replay");
        using var stderr = new StringWriter();

        var prefix = await DemoRunner.NextPrefixAsync(host.Channel.CreateCallInvoker(), new DemoLog(stderr),
            CancellationToken.None);
        var after = (await training.GetTrainingJobAsync(new GetTrainingJobRequest { Name = job })).TrainingJob;

        Assert.Equal("demo-2", prefix);
        Assert.Contains("demo-1, did not finish (1 of 5 arrivals uploaded). Starting afresh as demo-2; "
            + "its 1 unfinished job(s) are cancelled", stderr.ToString(), StringComparison.Ordinal);
        Assert.Equal(TrainingJobState.Cancelled, after.State);
    }

    private static async Task<string> WaitForJobAsync(TrainingService.TrainingServiceClient training, string policy)
    {
        var deadline = DateTime.UtcNow + TestEnvironment.Timeout;
        while (true)
        {
            var jobs = await training.ListTrainingJobsAsync(new ListTrainingJobsRequest { Policy = policy });
            if (jobs.TrainingJobs.Count > 0)
            {
                return jobs.TrainingJobs[0].Name;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{policy} started no job");
            await Task.Delay(100);
        }
    }

    [Theory]
    [InlineData(FashionArrivals.ClassIncremental)]
    [InlineData(FashionArrivals.DomainIncremental)]
    public void Arrivals_CutFromFashionMnist_DisjointAndShapedByTheScenario(string scenario)
    {
        var arrivals = FashionArrivals.Load(new DirectoryInfo(FashionMnist.Dir), scenario, fraction: 0.05);

        Assert.Equal(5, arrivals.Count);
        foreach (var arrival in arrivals)
        {
            var labels = arrival.Train.Labels.Distinct().Order().Select(l => (int)l).ToList();
            Assert.Equal(arrival.Classes, labels);
            Assert.Equal(arrival.Classes, arrival.Test.Labels.Distinct().Order().Select(l => (int)l));
        }

        if (scenario == FashionArrivals.ClassIncremental)
        {
            Assert.Equal([[0, 1], [2, 3], [4, 5], [6, 7], [8, 9]], arrivals.Select(a => a.Classes.ToArray()));
            // 6,000 training examples a class, 5% of them.
            Assert.All(arrivals, a => Assert.Equal(600, a.Train.Count));
            return;
        }

        // Domain-incremental: every class each time, the same pixels of each image in another order.
        Assert.All(arrivals, a => Assert.Equal(10, a.Classes.Count));
        var first = arrivals[1].Train.Pixels.AsSpan(0, 784).ToArray();
        var original = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 2).Images;
        Assert.Equal(original.AsSpan(784, 784).ToArray().Order(), first.Order());
        Assert.NotEqual(original.AsSpan(784, 784).ToArray(), first);
        Assert.Equal(original.AsSpan(0, 784).ToArray(), arrivals[0].Train.Pixels.AsSpan(0, 784).ToArray());
    }
}
