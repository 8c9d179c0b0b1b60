using System.CommandLine;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Continuum.ServiceDefaults.Grpc;
using Grpc.Net.Client;

namespace Continuum.Cli;

/// <summary>A channel to <c>--server</c> that sends <c>--api-key</c> with every call.</summary>
public sealed class ServerConnection : IDisposable
{
    /// <summary>The metadata key the gateway reads the API key from.</summary>
    public const string ApiKeyHeader = "x-api-key";

    private readonly GrpcChannel channel;

    public ServerConnection(ParseResult parsed)
        : this(parsed.GetValue(GlobalOptions.Server) ?? GlobalOptions.DefaultServer, parsed.GetValue(GlobalOptions.ApiKey))
    {
    }

    public ServerConnection(string address, string? apiKey)
    {
        Address = address;
        channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // The services' own window: with the 64 KiB default a download or upload of 1 MiB chunks waits on
                // flow control. Several connections, as the channel's own handler would allow.
                InitialHttp2StreamWindowSize = PeerChannels.StreamWindowBytes,
                EnableMultipleHttp2Connections = true,
            },
        });
        Invoker = string.IsNullOrEmpty(apiKey)
            ? channel.CreateCallInvoker()
            : channel.Intercept(metadata =>
            {
                metadata.Add(ApiKeyHeader, apiKey);
                return metadata;
            });
    }

    public string Address { get; }

    public CallInvoker Invoker { get; }

    public void Dispose() => channel.Dispose();

    /// <summary>Runs one client action; a gRPC error is printed as <c>Code: message</c> and exits 1.</summary>
    public static Task<int> RunAsync(ParseResult parsed, Func<ServerConnection, Task<int>> action) =>
        RunAsync(parsed, parsed.GetValue(GlobalOptions.Server) ?? GlobalOptions.DefaultServer, action);

    /// <summary>The same, against <paramref name="server"/> rather than <c>--server</c>: the demo's own suite.</summary>
    public static async Task<int> RunAsync(ParseResult parsed, string server,
        Func<ServerConnection, Task<int>> action)
    {
        var error = parsed.InvocationConfiguration.Error;
        if (UsageProblem(parsed) is { } problem)
        {
            await error.WriteLineAsync(problem);
            return CliApp.UsageError;
        }

        try
        {
            using var connection = new ServerConnection(server, parsed.GetValue(GlobalOptions.ApiKey));
            return await action(connection);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            await error.WriteLineAsync(
                $"{e.StatusCode}: no Continuum server answers at {server} "
                + $"({e.Status.Detail})");
            return CliApp.ServerError;
        }
        catch (RpcException e)
        {
            await error.WriteLineAsync($"{e.StatusCode}: {e.Status.Detail}");
            return CliApp.ServerError;
        }
        catch (IOException e)
        {
            // A connection that breaks while a stream is being written surfaces as I/O, not as a gRPC status.
            await error.WriteLineAsync(
                $"{StatusCode.Unavailable}: the connection to {server} broke "
                + $"({e.Message})");
            return CliApp.ServerError;
        }
    }

    /// <summary>What is wrong with --server or --api-key before any call is made, or null.</summary>
    private static string? UsageProblem(ParseResult parsed)
    {
        var server = parsed.GetValue(GlobalOptions.Server) ?? "";
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.Host.Length == 0)
        {
            return $"--server must be an http:// or https:// address such as {GlobalOptions.DefaultServer}; "
                + $"got '{server}'.";
        }

        // Metadata values travel as HTTP/2 header values: printable ASCII only.
        if (parsed.GetValue(GlobalOptions.ApiKey) is { } key && key.Any(c => c is < ' ' or > '~'))
        {
            return "--api-key may hold only printable ASCII characters.";
        }

        return null;
    }
}
