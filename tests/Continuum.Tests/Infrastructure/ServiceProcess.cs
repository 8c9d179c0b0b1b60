using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace Continuum.Tests.Infrastructure;

/// <summary>
/// One service host built by the solution (e.g. Continuum.Training.Api), run as a process of its own as a
/// deployment runs it, so a test can kill it outright. Its standard output and error are kept for diagnostics.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    // Written by the ASP.NET Core host once Kestrel listens, which is after every hosted service (the bus
    // included, as it waits until started) has started: from then on the process consumes its queues.
    private const string ListeningLine = "Now listening on: ";

    private readonly Process process;
    private readonly ConcurrentQueue<string> output = new();
    private readonly TaskCompletionSource<string> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>Where it listens, e.g. <c>http://127.0.0.1:41234</c>; known once <see cref="StartAsync"/> returned.</summary>
    public string Address => listening.Task.Result;

    /// <summary>Everything the process wrote so far, one line each, prefixed with its name.</summary>
    public string Output => string.Join(Environment.NewLine, output.Select(l => $"[{Name}] {l}"));

    /// <summary>
    /// Starts the host of <paramref name="project"/> (a project under <c>services/</c>) with command-line settings
    /// and waits until it listens.
    /// </summary>
    public static async Task<ServiceProcess> StartAsync(string name, string project, IEnumerable<string> settings)
    {
        var start = new ProcessStartInfo(DotnetHost(), [AssemblyPath(project), .. settings])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // No colour codes or padding in the captured log lines.
        start.Environment["DOTNET_LOGGING__CONSOLE__DISABLECOLORS"] = "true";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{project} did not start.");
        var started = new ServiceProcess(process, name);
        process.OutputDataReceived += (_, e) => started.Receive(e.Data);
        process.ErrorDataReceived += (_, e) => started.Receive(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // Its exit code is not read here: the process object may be disposed by then.
        _ = process.WaitForExitAsync().ContinueWith(
            _ => started.listening.TrySetException(new InvalidOperationException(
                $"{name} exited before listening:{Environment.NewLine}{started.Output}")),
            TaskScheduler.Default);
        try
        {
            await started.listening.Task.WaitAsync(TestEnvironment.Timeout);
        }
        catch (TimeoutException)
        {
            started.Dispose();
            throw new TimeoutException($"{name} did not listen in time:{Environment.NewLine}{started.Output}");
        }

        return started;
    }

    /// <summary>Ends the process at once (SIGKILL on Linux): no shutdown code of its own runs.</summary>
    public void Kill()
    {
        process.Kill();
        process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                Kill();
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        process.Dispose();
    }

    private void Receive(string? line)
    {
        if (line is null)
        {
            return;
        }

        output.Enqueue(line);
        var at = line.IndexOf(ListeningLine, StringComparison.Ordinal);
        if (at >= 0)
        {
            listening.TrySetResult(line[(at + ListeningLine.Length)..].Trim());
        }
    }

    /// <summary>
    /// The project's built assembly, next to this test assembly's in the same configuration: the test project
    /// builds it first through a ProjectReference that does not reference its output.
    /// </summary>
    private static string AssemblyPath(string project)
    {
        var configuration = typeof(ServiceProcess).Assembly
            .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Microservices.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException(
                $"No Microservices.sln above {AppContext.BaseDirectory}: the repository root is unknown.");
        }

        var path = Path.Combine(root.FullName, "services", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"{path} is missing: build services/{project} in {configuration} (building the tests does).");
    }

    // The dotnet CLI tells the processes it starts (the test host among them) where it is.
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path ? path : "dotnet";
}
