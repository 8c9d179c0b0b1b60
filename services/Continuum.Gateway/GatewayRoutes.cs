using Continuum.Contracts;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Continuum.Gateway;

/// <summary>A public service the gateway forwards to another process.</summary>
public sealed record RoutedService(PublicService Service, Uri Address);

/// <summary>Turns configured routes into YARP routes: every call of a service's gRPC path goes to its process.</summary>
internal static class GatewayRoutes
{
    public static IReadOnlyList<RoutedService> Resolve(GatewayOptions options)
    {
        var routed = new List<RoutedService>();
        foreach (var (name, address) in options.Routes)
        {
            var service = ServiceCatalog.Find(name) ?? throw new InvalidOperationException(
                $"{GatewayOptions.SectionName}:Routes:{name} names no service; known: "
                + string.Join(", ", ServiceCatalog.All.Select(s => s.Name)) + ".");
            if (service == ServiceCatalog.Gateway)
            {
                throw new InvalidOperationException("The gateway cannot route to another gateway.");
            }

            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                throw new InvalidOperationException(
                    $"{GatewayOptions.SectionName}:Routes:{name} must be an http(s) address, not '{address}'.");
            }

            routed.Add(new RoutedService(service, uri));
        }

        return routed;
    }

    public static (IReadOnlyList<RouteConfig> Routes, IReadOnlyList<ClusterConfig> Clusters) ToProxyConfig(
        IReadOnlyList<RoutedService> routed)
    {
        var routes = routed.Select(r => new RouteConfig
        {
            RouteId = r.Service.Name,
            ClusterId = r.Service.Name,
            Match = new RouteMatch { Path = $"/{r.Service.GrpcName}/{{**method}}" },
        }).ToList();

        var clusters = routed.Select(r => new ClusterConfig
        {
            ClusterId = r.Service.Name,
            Destinations = new Dictionary<string, DestinationConfig>
            {
                [r.Service.Name] = new() { Address = r.Address.ToString() },
            },
            // gRPC is HTTP/2 end to end; cleartext backends are reached with prior knowledge.
            HttpRequest = new ForwarderRequestConfig
            {
                Version = System.Net.HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            },
        }).ToList();

        return (routes, clusters);
    }
}
