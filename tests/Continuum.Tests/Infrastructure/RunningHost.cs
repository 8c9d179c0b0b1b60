using Continuum.Host;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;

namespace Continuum.Tests.Infrastructure;

/// <summary>
/// The embedded host listening on a free loopback port, on either backend. Tests talk to it through a
/// real gRPC channel, as a client would.
/// </summary>
public sealed class RunningHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly TemporaryPostgresDatabase? database;

    private RunningHost(WebApplication app, TemporaryPostgresDatabase? database, string address, string dataDir)
    {
        this.app = app;
        this.database = database;
        Address = address;
        DataDir = dataDir;
        Channel = GrpcChannel.ForAddress(address);
    }

    public string Address { get; }

    public string DataDir { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => app.Services;

    public static async Task<RunningHost> StartAsync(Backend backend, Action<WebApplicationBuilder>? configure = null)
    {
        var dataDir = TestEnvironment.NewTempDir();
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--Continuum:DataDir={dataDir}",
            "--Logging:LogLevel:Default=Warning",
        };
        TemporaryPostgresDatabase? database = null;
        if (backend == Backend.Server)
        {
            database = await TemporaryPostgresDatabase.CreateAsync();
            args.Add("--Continuum:Database:Provider=Postgres");
            args.Add($"--Continuum:Database:ConnectionString={database.ConnectionString}");
            args.Add("--Continuum:Bus:Transport=RabbitMq");
            args.Add($"--Continuum:Bus:RabbitMqUri={TestEnvironment.RabbitMqUri}");
            args.Add($"--Continuum:Bus:QueuePrefix={TestEnvironment.UniqueName("test")}");
        }

        var app = EmbeddedHost.Build([.. args], configure: configure);
        await app.StartAsync().WaitAsync(TestEnvironment.Timeout);
        return new RunningHost(app, database, app.Urls.Single(), dataDir);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await app.StopAsync().WaitAsync(TestEnvironment.Timeout);
        await app.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
    }
}
