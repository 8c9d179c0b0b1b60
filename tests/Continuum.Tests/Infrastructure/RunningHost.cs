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

    private RunningHost(
        WebApplication app, TemporaryPostgresDatabase? database, string? queuePrefix, string address, string dataDir)
    {
        this.app = app;
        this.database = database;
        QueuePrefix = queuePrefix;
        Address = address;
        DataDir = dataDir;
        Channel = GrpcChannel.ForAddress(address);
    }

    public string Address { get; }

    public string DataDir { get; }

    public GrpcChannel Channel { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>The server backend's database, for processes started beside this host; null when embedded.</summary>
    public string? DatabaseConnectionString => database?.ConnectionString;

    /// <summary>The server backend's queue prefix, shared by processes that join this host's bus.</summary>
    public string? QueuePrefix { get; }

    /// <summary>Every file under a folder of the data directory, e.g. <c>blobs</c> (its tmp folder included).</summary>
    public string[] FilesUnder(string folder)
    {
        var root = Path.Combine(DataDir, folder);
        return Directory.Exists(root) ? Directory.GetFiles(root, "*", SearchOption.AllDirectories) : [];
    }

    /// <param name="dataDir">An existing data directory, to start again on what an earlier host stored.</param>
    /// <param name="settings">
    /// More command-line settings, e.g. <c>--Continuum:Training:Worker:Enabled=false</c>; they win over the above.
    /// </param>
    public static async Task<RunningHost> StartAsync(
        Backend backend, Action<WebApplicationBuilder>? configure = null, string? dataDir = null,
        IEnumerable<string>? settings = null)
    {
        dataDir ??= TestEnvironment.NewTempDir();
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            $"--Continuum:DataDir={dataDir}",
            "--Logging:LogLevel:Default=Warning",
        };
        TemporaryPostgresDatabase? database = null;
        string? queuePrefix = null;
        if (backend == Backend.Server)
        {
            database = await TemporaryPostgresDatabase.CreateAsync();
            queuePrefix = TestEnvironment.UniqueName("test");
            args.Add("--Continuum:Database:Provider=Postgres");
            args.Add($"--Continuum:Database:ConnectionString={database.ConnectionString}");
            args.Add("--Continuum:Bus:Transport=RabbitMq");
            args.Add($"--Continuum:Bus:RabbitMqUri={TestEnvironment.RabbitMqUri}");
            args.Add($"--Continuum:Bus:QueuePrefix={queuePrefix}");
        }

        args.AddRange(settings ?? []);

        var app = EmbeddedHost.Build([.. args], configure: configure);
        await app.StartAsync().WaitAsync(TestEnvironment.Timeout);
        return new RunningHost(app, database, queuePrefix, app.Urls.Single(), dataDir);
    }

    public ValueTask DisposeAsync() => StopAsync(keepDataDir: false);

    /// <summary>
    /// Stops the host; with <paramref name="keepDataDir"/> its files stay for a host started after it.
    /// </summary>
    public async ValueTask StopAsync(bool keepDataDir)
    {
        Channel.Dispose();
        await app.StopAsync().WaitAsync(TestEnvironment.Timeout);
        await app.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }

        if (!keepDataDir && Directory.Exists(DataDir))
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
