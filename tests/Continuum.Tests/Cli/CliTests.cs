using System.Globalization;
using System.Text.Json;
using Continuum.Cli;
using Continuum.Contracts;
using Continuum.Tests.Data;
using Continuum.Tests.Infrastructure;
using static Continuum.Tests.Cli.CliRun;

namespace Continuum.Tests.Cli;

public sealed class CliTests
{
    [Fact]
    public async Task Status_JsonAgainstRunningHost_ListsEveryServiceServingAndExitsZero()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);

        var (code, stdout, stderr) = await RunAsync("status", "--server", host.Address, "--output", "json");

        Assert.True(code == CliApp.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(host.Address, json.RootElement.GetProperty("server").GetString());
        var services = json.RootElement.GetProperty("services").EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("status").GetString());
        Assert.Equal(ServiceCatalog.All.Select(s => s.Name).Order(), services.Keys.Order());
        Assert.All(services.Values, status => Assert.Equal("SERVING", status));
    }

    [Fact]
    public async Task Status_ServerDown_PrintsUnavailableOnStderrAndExitsOne()
    {
        // Nothing listens on port 1 of the loopback address.
        var (code, stdout, stderr) = await RunAsync("status", "--server", "http://127.0.0.1:1", "--output", "json");

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("Unavailable:", stderr);
    }

    [Fact]
    public async Task DatasetsDelete_Empty_SaysSoAndTheDatasetIsGone()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);

        var create = await RunAsync("datasets", "create", "scratch", "--shape", "4", "--classes", "2",
            "--server", host.Address);
        var delete = await RunAsync("datasets", "delete", "scratch", "--server", host.Address);
        var show = await RunAsync("datasets", "show", "scratch", "--server", host.Address);

        Assert.True(create.Code == CliApp.Ok, create.Stderr);
        Assert.True(delete.Code == CliApp.Ok, delete.Stderr);
        Assert.Equal("Deleted datasets/scratch.", delete.Stdout.TrimEnd());
        Assert.Equal(CliApp.ServerError, show.Code);
        Assert.StartsWith("NotFound:", show.Stderr);
    }

    [Fact]
    public async Task DatasetsUpload_RefusedWhileStillSending_TheServersReasonEveryTime()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var create = await RunAsync("datasets", "create", "fm", "--shape", "28x28", "--classes", "10",
            "--server", host.Address);

        // The whole training set is 26 MiB of chunks still to send when the server refuses the metadata, so the
        // call ends under the client's writes; what it reports must be the server's answer.
        var runs = new List<(int Code, string Stdout, string Stderr)>();
        for (var i = 0; i < 3; i++)
        {
            runs.Add(await RunAsync("datasets", "upload", "fm", "--format", "idx",
                "--train-images", FashionMnist.TrainImages, "--train-labels", FashionMnist.TrainLabels,
                "--labels", "42", "--server", host.Address));
        }

        Assert.True(create.Code == CliApp.Ok, create.Stderr);
        Assert.All(runs, r =>
        {
            Assert.Equal(CliApp.ServerError, r.Code);
            Assert.StartsWith("InvalidArgument: metadata.keep_classes", r.Stderr);
        });
    }

    [Fact]
    public async Task Serve_PortInUse_OneLineAndExitsOne()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        var dir = TestEnvironment.NewTempDir();

        var (code, stdout, stderr) = await RunAsync("serve", "--port", port, "--data-dir", dir);

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith($"continuum serve: port {port} is in use", stderr);
        Assert.Single(stderr.TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task DatasetsShow_VersionNeitherNumberNorHash_SaysWhatAVersionIs()
    {
        var (code, stdout, stderr) = await RunAsync("datasets", "show", "fashion@-1", "--server", "http://127.0.0.1:1");

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.Equal("InvalidArgument: '-1' is no version of datasets/fashion: give a number, 'latest' or a prefix of "
            + "the content hash (lowercase hexadecimal)", stderr.TrimEnd());
    }

    [Theory]
    [InlineData("statuss")]
    [InlineData("status", "--output", "yaml")]
    [InlineData("status", "--server", "localhost:5000")]
    [InlineData("status", "--server", "ftp://localhost:5000")]
    [InlineData("status", "--api-key", "caf\u00e9")]
    [InlineData("serve", "--port", "70000")]
    [InlineData("serve", "--port", "abc")]
    [InlineData("serve", "--data-dir", "/etc/hostname")]
    [InlineData("models", "download", "m@1", "-o", "/proc/model.pt")]
    [InlineData("demo", "--quick", "--data-dir", "/etc/hostname")]
    [InlineData("datasets", "upload", "x", "--format", "bogus", "--train", "/etc/hostname")]
    [InlineData("datasets", "create", "x", "--shape", "28by28", "--classes", "10")]
    [InlineData("datasets", "upload", "x", "--format", "idx", "--train-images", "/nonexistent/file")]
    [InlineData("datasets", "upload", "x", "--format", "csv", "--train", "/etc/hostname")]
    [InlineData("datasets", "upload", "x", "--format", "idx", "--train-images", "/tmp", "--train-labels", "/tmp")]
    public async Task Parse_BadUsage_ExitsTwo(params string[] args)
    {
        await CliRun.AssertUsageErrorAsync(args);
    }

    [Fact]
    public async Task Datasets_CreateUploadTwoArrivalsAndCompare_JsonReportsClassIncremental()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);
        var dir = TestEnvironment.NewTempDir();
        var (pixels, labels) = FashionMnist.ReadSlice(FashionMnist.TrainImages, FashionMnist.TrainLabels, 2_000);
        var images = Path.Combine(dir, "images.idx");
        var classes = Path.Combine(dir, "labels.idx");
        await File.WriteAllBytesAsync(images, FashionMnist.IdxImages(pixels));
        await File.WriteAllBytesAsync(classes, FashionMnist.IdxLabels(labels));
        string[] Server(params string[] args) => [.. args, "--server", host.Address, "--output", "json"];

        var create = await RunAsync(Server("datasets", "create", "fashion", "--shape", "28x28", "--classes", "10"));
        var first = await RunAsync(Server("datasets", "upload", "fashion", "--format", "idx",
            "--train-images", images, "--train-labels", classes, "--labels", "0,1"));
        var second = await RunAsync(Server("datasets", "upload", "fashion", "--format", "idx",
            "--train-images", images, "--train-labels", classes, "--labels", "2,3"));
        var compare = await RunAsync(Server("datasets", "compare", "fashion@1", "fashion@latest"));
        var show = await RunAsync(Server("datasets", "show",
            $"fashion@{ContentSha256(first.Stdout)[..8]}"));

        Assert.All(new[] { create, first, second, compare, show }, r => Assert.True(r.Code == CliApp.Ok, r.Stderr));
        Assert.Equal("datasets/fashion",
            JsonDocument.Parse(create.Stdout).RootElement.GetProperty("dataset").GetProperty("name").GetString());
        Assert.Equal("datasets/fashion/versions/2",
            JsonDocument.Parse(second.Stdout).RootElement.GetProperty("datasetVersion").GetProperty("name")
                .GetString());
        var comparison = JsonDocument.Parse(compare.Stdout).RootElement.GetProperty("comparison");
        Assert.Equal("SCENARIO_CLASS_INCREMENTAL", comparison.GetProperty("scenario").GetString());
        Assert.Equal([2, 3], comparison.GetProperty("classesAdded").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("datasets/fashion/versions/1",
            JsonDocument.Parse(show.Stdout).RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Datasets_ShowMissingVersion_NotFoundOnStderrAndExitsOne()
    {
        await using var host = await RunningHost.StartAsync(Backend.Embedded);

        var (code, stdout, stderr) = await RunAsync("datasets", "show", "nope@3", "--server", host.Address,
            "--output", "json");

        Assert.Equal(CliApp.ServerError, code);
        Assert.Equal("", stdout);
        Assert.StartsWith("NotFound:", stderr);
        Assert.Contains("datasets/nope", stderr);
    }

    private static string ContentSha256(string uploadJson) =>
        JsonDocument.Parse(uploadJson).RootElement.GetProperty("datasetVersion").GetProperty("contentSha256")
            .GetString()!;
}
