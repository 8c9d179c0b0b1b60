using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Continuum.Gateway;

/// <summary>A routed service is as healthy as its own process says it is.</summary>
internal sealed class BackendHealthCheck(RoutedService routed) : IHealthCheck, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private readonly GrpcChannel channel = GrpcChannel.ForAddress(routed.Address);

    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await new Health.HealthClient(channel).CheckAsync(
                new HealthCheckRequest { Service = routed.Service.GrpcName },
                deadline: DateTime.UtcNow + Timeout,
                cancellationToken: cancellationToken);
            return response.Status == HealthCheckResponse.Types.ServingStatus.Serving
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"{routed.Service.Name} at {routed.Address} reports {response.Status}.");
        }
        catch (Grpc.Core.RpcException e)
        {
            return HealthCheckResult.Unhealthy(
                $"{routed.Service.Name} at {routed.Address} does not answer: {e.Status.Detail}");
        }
    }

    public void Dispose() => channel.Dispose();
}
