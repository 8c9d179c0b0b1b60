using System.Collections.Concurrent;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Continuum.ServiceDefaults.Grpc;

/// <summary>
/// gRPC channels to the other services, one per service, shared by every caller in the process. A service
/// named in <c>Continuum:Endpoints</c> is called at that address; one hosted by this process is called on the
/// process's own address, so the embedded suite calls itself over loopback with no setting at all.
/// </summary>
public sealed class PeerChannels(
    IOptions<ContinuumOptions> options, IServer server, IEnumerable<ContinuumService> hosted) : IDisposable
{
    /// <summary>
    /// The HTTP/2 receive window a stream starts with. The default, 64 KiB, lets a sender put only that much on
    /// the wire before it waits a round trip for the window to grow, which holds back a stream of 1 MiB chunks;
    /// with a few MiB, artifacts and batches stream at memory speed. 16 MiB is the most the handler accepts.
    /// </summary>
    public const int StreamWindowBytes = 8 << 20;

    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new();

    /// <exception cref="InvalidOperationException">The service is neither hosted here nor configured.</exception>
    public GrpcChannel For(string service) => _channels.GetOrAdd(service, name =>
        GrpcChannel.ForAddress(AddressOf(name), new GrpcChannelOptions
        {
            // Batches and artifacts travel in messages of a few MiB.
            MaxReceiveMessageSize = 64 << 20,
            MaxSendMessageSize = 64 << 20,
            HttpHandler = new SocketsHttpHandler
            {
                InitialHttp2StreamWindowSize = StreamWindowBytes,
                // A watch stream stays open for as long as the caller watches, so one connection's 100 streams
                // can run out; then a second connection opens rather than calls waiting in a queue.
                EnableMultipleHttp2Connections = true,
            },
        }));

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }

    private string AddressOf(string service)
    {
        if (options.Value.Endpoints.TryGetValue(service, out var configured) && configured.Length > 0)
        {
            return configured;
        }

        if (hosted.Any(s => s.Name == service))
        {
            var own = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The server has not started listening yet.");
            return Loopback(own);
        }

        throw new InvalidOperationException(
            $"This process does not host the {service} service and {ContinuumOptions.SectionName}:Endpoints:" +
            $"{service} is not set; set it to the service's address, e.g. http://{service}:5000.");
    }

    // A wildcard listening address is not one to connect to.
    private static string Loopback(string address)
    {
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "localhost";
        }

        return uri.Uri.ToString().TrimEnd('/');
    }
}
