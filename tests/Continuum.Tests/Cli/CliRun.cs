using Continuum.Cli;
using Continuum.Tests.Infrastructure;

namespace Continuum.Tests.Cli;

/// <summary>Runs the <c>continuum</c> command in this process and captures what it printed.</summary>
public static class CliRun
{
    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(params string[] args) =>
        RunAsync(TestEnvironment.Timeout, args);

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(TimeSpan timeout, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr).WaitAsync(timeout);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>The arguments to run against <paramref name="host"/> with JSON output.</summary>
    public static string[] Json(RunningHost host, params string[] args) =>
        [.. args, "--server", host.Address, "--output", "json"];

    /// <summary>
    /// <paramref name="defaults"/> as option-value pairs with <paramref name="more"/> laid over them: an option
    /// followed by a value replaces or adds that option (given twice it would be a usage error), one without a value
    /// is a switch.
    /// </summary>
    public static string[] Flags(Dictionary<string, string> defaults, string[] more)
    {
        var flags = new Dictionary<string, string>(defaults);
        var switches = new List<string>();
        for (var i = 0; i < more.Length; i++)
        {
            if (i + 1 < more.Length && !more[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                flags[more[i]] = more[++i];
            }
            else
            {
                switches.Add(more[i]);
            }
        }

        return [.. flags.SelectMany(f => new[] { f.Key, f.Value }), .. switches];
    }

    /// <summary>Runs a command that must be refused as a usage error: exit 2, a message, nothing on stdout.</summary>
    public static async Task AssertUsageErrorAsync(params string[] args)
    {
        var (code, stdout, stderr) = await RunAsync(args);

        Assert.Equal(CliApp.UsageError, code);
        Assert.Equal("", stdout);
        Assert.NotEqual("", stderr);
    }
}

/// <summary>Standard output that cancels the command once it has written <c>lines</c> lines, as Ctrl-C would.</summary>
public sealed class CancelAfterLines(int lines, CancellationTokenSource stop) : StringWriter
{
    private int written;

    public override async Task WriteLineAsync(string? value)
    {
        await base.WriteLineAsync(value);
        if (++written == lines)
        {
            await stop.CancelAsync();
        }
    }
}
