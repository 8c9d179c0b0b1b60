using System.CommandLine;
using Continuum.Host;

namespace Continuum.Cli.Commands;

/// <summary><c>continuum serve</c>: every service in this process, embedded defaults, until Ctrl-C.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Where SQLite files and blobs live.",
            DefaultValueFactory = _ => new DirectoryInfo("continuum-data"),
        };
        var port = new Option<int>("--port")
        {
            Description = "Port to listen on (loopback only).",
            DefaultValueFactory = _ => 5000,
        };
        port.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 65535)
            {
                result.AddError("--port must be between 1 and 65535.");
            }
        });

        var command = new Command("serve", "Run every service in one process (SQLite, in-memory bus, local blobs).")
        {
            dataDir,
            port,
        };
        command.SetAction(async (parsed, cancellationToken) =>
        {
            var app = EmbeddedHost.Build(
            [
                $"--Continuum:DataDir={parsed.GetValue(dataDir)!.FullName}",
                $"--urls=http://localhost:{parsed.GetValue(port)}",
            ], logToStandardError: true);
            // The host's console lifetime turns Ctrl-C and SIGTERM into a graceful stop.
            await app.RunAsync();
            return CliApp.Ok;
        });
        return command;
    }
}
