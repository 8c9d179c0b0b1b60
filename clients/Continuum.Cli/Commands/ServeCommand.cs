using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using Continuum.Host;

namespace Continuum.Cli.Commands;

/// <summary><c>continuum serve</c>: every service in this process, embedded defaults, until Ctrl-C.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var dataDir = DataDirOption.Create("Where SQLite files and blobs live.");
        var port = new Option<int>("--port")
        {
            Description = "Port to listen on (loopback only).",
            DefaultValueFactory = _ => 5000,
        };
        port.Validators.Add(result =>
        {
            // Read the token, not the value: a token that is no number has its own parse error already.
            if (result.Tokens is [var token] && int.TryParse(token.Value, out var value) && value is < 1 or > 65535)
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
            // Found out here, a taken port is one line; found by the host, it is also a logged stack trace.
            if (PortTaken(parsed.GetValue(port)) is { } taken)
            {
                await parsed.InvocationConfiguration.Error.WriteLineAsync(
                    $"continuum serve: port {parsed.GetValue(port)} is in use ({taken}); choose another with --port.");
                return CliApp.ServerError;
            }

            try
            {
                // Embedded means embedded: settings from the environment cannot turn this into a PostgreSQL or
                // RabbitMQ host.
                var app = EmbeddedHost.Build(
                [
                    $"--Continuum:DataDir={parsed.GetValue(dataDir)!.FullName}",
                    $"--urls=http://localhost:{parsed.GetValue(port)}",
                    "--Continuum:Database:Provider=Sqlite",
                    "--Continuum:Bus:Transport=InMemory",
                ], logToStandardError: true);
                // The host's console lifetime turns Ctrl-C and SIGTERM into a graceful stop.
                await app.RunAsync();
                return CliApp.Ok;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A setting or the machine is at fault (port taken, folder not writable): one line, not a stack trace.
                await parsed.InvocationConfiguration.Error.WriteLineAsync(
                    $"continuum serve: {e.GetBaseException().Message}");
                return CliApp.ServerError;
            }
        });
        return command;
    }

    private static string? PortTaken(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return e.Message;
        }
    }
}
