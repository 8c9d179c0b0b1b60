using System.Globalization;
using Continuum.Contracts;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Continuum.Gateway;

/// <summary>A public service the gateway forwards to another process.</summary>
public sealed record RoutedService(PublicService Service, Uri Address);

/// <summary>
/// Turns configured routes into YARP routes: every call of a service's gRPC path goes to its process.
/// </summary>
internal static class GatewayRoutes
{
    /// <summary>Marks a call the gateway forwarded; a gateway that receives one back is routing to itself.</summary>
    public const string ForwardedHeader = "x-continuum-forwarded";

    /// <param name="hosted">Full names of the services this process hosts itself; they cannot also be routed.</param>
    public static IReadOnlyList<RoutedService> Resolve(GatewayOptions options, IReadOnlySet<string> hosted)
    {
        var routed = new List<RoutedService>();
        foreach (var (name, address) in options.Routes)
        {
            var service = ServiceCatalog.Find(name) ?? throw new InvalidOperationException(
                $"{GatewayOptions.SectionName}:Routes:{name} names no service; known: "
                + string.Join(", ", ServiceCatalog.All.Where(s => s != ServiceCatalog.Gateway).Select(s => s.Name))
                + ".");
            if (service == ServiceCatalog.Gateway)
            {
                throw new InvalidOperationException("The gateway cannot route to another gateway.");
            }

            if (hosted.Contains(service.GrpcName))
            {
                throw new InvalidOperationException(
                    $"{GatewayOptions.SectionName}:Routes:{name} routes {service.Name}, "
                    + "which this process hosts itself; "
                    + "remove the route or run the gateway on its own.");
            }

            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                throw new InvalidOperationException(
                    $"{GatewayOptions.SectionName}:Routes:{name} must be an http(s) address with no path, such as "
                    + $"http://data:8080, not '{address}'.");
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

    /// <summary>
    /// Answers a call that this gateway already forwarded once with FailedPrecondition instead of forwarding it
    /// again: a route that points back at the gateway would otherwise loop until memory runs out.
    /// </summary>
    public static Task RefuseLoopsAsync(HttpContext context, Func<Task> next)
    {
        if (!context.Request.Headers.ContainsKey(ForwardedHeader))
        {
            return next();
        }

        // A trailers-only gRPC response: the status travels in the headers, with no body.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/grpc";
        context.Response.Headers["grpc-status"] =
            ((int)Grpc.Core.StatusCode.FailedPrecondition).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers["grpc-message"] = Uri.EscapeDataString(
            "Routing loop: the gateway received a call it had forwarded itself; check Continuum:Gateway:Routes.");
        return Task.CompletedTask;
    }
}
