using System.CommandLine;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Continuum.Cli;

/// <summary>A channel to <c>--server</c> that sends <c>--api-key</c> with every call.</summary>
public sealed class ServerConnection : IDisposable
{
    /// <summary>The metadata key the gateway reads the API key from.</summary>
    public const string ApiKeyHeader = "x-api-key";

    private readonly GrpcChannel channel;

    public ServerConnection(ParseResult parsed)
    {
        Address = parsed.GetValue(GlobalOptions.Server) ?? GlobalOptions.DefaultServer;
        channel = GrpcChannel.ForAddress(Address);
        var apiKey = parsed.GetValue(GlobalOptions.ApiKey);
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
    public static async Task<int> RunAsync(ParseResult parsed, Func<ServerConnection, Task<int>> action)
    {
        var error = parsed.InvocationConfiguration.Error;
        try
        {
            using var connection = new ServerConnection(parsed);
            return await action(connection);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            await error.WriteLineAsync(
                $"{e.StatusCode}: no Continuum server answers at {parsed.GetValue(GlobalOptions.Server)} ({e.Status.Detail})");
            return CliApp.ServerError;
        }
        catch (RpcException e)
        {
            await error.WriteLineAsync($"{e.StatusCode}: {e.Status.Detail}");
            return CliApp.ServerError;
        }
        catch (UriFormatException e)
        {
            await error.WriteLineAsync($"--server: {e.Message}");
            return CliApp.UsageError;
        }
    }
}
