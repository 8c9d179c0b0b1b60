using System.Text.Json;
using Continuum.Cli;
using Continuum.Contracts;
using Continuum.Tests.Infrastructure;

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

    [Theory]
    [InlineData("statuss")]
    [InlineData("status", "--output", "yaml")]
    [InlineData("serve", "--port", "70000")]
    public async Task Parse_BadUsage_ExitsTwo(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(CliApp.UsageError, code);
        Assert.Equal("", stdout);
        Assert.NotEqual("", stderr);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr).WaitAsync(TestEnvironment.Timeout);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
