using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Continuum.ServiceDefaults.Persistence;

/// <summary>A service's claim on a database: its short name and the assembly holding its migrations.</summary>
public sealed record ServiceSchema(string Service, Assembly MigrationsAssembly);

/// <summary>
/// Applies every registered service's migrations when the host starts. Hosted services start before
/// the server listens, so no request ever sees an old schema.
/// </summary>
internal sealed class MigrationHostedService(
    IEnumerable<ServiceSchema> schemas, IServiceProvider services, MigrationRunner runner) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var schema in schemas)
        {
            var database = services.GetRequiredKeyedService<ServiceDatabase>(schema.Service);
            var migrations = MigrationCatalog.Load(schema.MigrationsAssembly, database.Provider);
            await runner.ApplyAsync(database, migrations, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
