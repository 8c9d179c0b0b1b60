using Continuum.ServiceDefaults.Persistence;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Continuum.ServiceDefaults.Health;

/// <summary>A service is only serving while its own database answers.</summary>
internal sealed class DatabaseHealthCheck(ServiceDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The {database.Service} database does not answer.", e);
        }
    }
}
