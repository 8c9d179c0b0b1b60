using Continuum.Gateway.Events;
using Continuum.Gateway.V1;
using Continuum.ServiceDefaults;
using Grpc.Core;
using Microsoft.Extensions.Hosting;

namespace Continuum.Gateway;

/// <summary>
/// What the gateway fronts: the services in its own process and those it forwards elsewhere; the event stream in
/// the partial file beside it.
/// </summary>
public sealed partial class GatewayGrpcService(
    GatewayTopology topology, IEnumerable<ContinuumService> hosted, EventLog events,
    IHostApplicationLifetime lifetime)
    : GatewayService.GatewayServiceBase
{
    public override Task<GetGatewayInfoResponse> GetGatewayInfo(
        GetGatewayInfoRequest request, ServerCallContext context)
    {
        var routes = hosted
            .Where(s => s.GrpcServiceName != GatewayService.Descriptor.FullName)
            .Select(s => new ServiceRoute { Service = s.GrpcServiceName, Address = "in-process" })
            .Concat(topology.Routed.Select(r =>
                new ServiceRoute { Service = r.Service.GrpcName, Address = r.Address.ToString() }))
            .OrderBy(r => r.Service, StringComparer.Ordinal);

        // TODO: api_key_required, project and roles stay at their defaults until API keys are checked.
        return Task.FromResult(new GetGatewayInfoResponse
        {
            ServerVersion = ContinuumVersion.Current,
            Mode = topology.Routed.Count > 0 ? DeploymentMode.Distributed : DeploymentMode.Embedded,
            Services = { routes },
        });
    }
}
