using Continuum.Compression;
using Continuum.Data;
using Continuum.Gateway;
using Continuum.Optimization;
using Continuum.Registry;
using Continuum.ServiceDefaults;
using Continuum.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace Continuum.Host;

/// <summary>
/// Every Continuum service in one process; configuration decides SQLite or PostgreSQL, in-memory bus or RabbitMQ.
/// </summary>
public static class EmbeddedHost
{
    /// <param name="configure">Extra registrations before the app is built, e.g. a test's own bus consumer.</param>
    public static WebApplication Build(
        string[] args, bool logToStandardError = false, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (logToStandardError)
        {
            // Standard output belongs to a command's result; logs go to standard error.
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        builder.AddDataService()
            .AddTrainingService()
            .AddOptimizationService()
            .AddCompressionService()
            .AddRegistryService()
            .AddGatewayService();
        configure?.Invoke(builder);

        var app = builder.BuildContinuumApp();
        app.MapDataService();
        app.MapTrainingService();
        app.MapOptimizationService();
        app.MapCompressionService();
        app.MapRegistryService();
        app.MapGatewayService();
        return app;
    }
}
