namespace Continuum.ServiceDefaults;

/// <summary>
/// Settings shared by every service, bound from the <c>Continuum</c> configuration section
/// (environment variables <c>Continuum__Database__Provider</c> and so on).
/// The defaults describe the embedded mode: SQLite, in-memory bus, local blobs under one folder.
/// </summary>
public sealed class ContinuumOptions
{
    public const string SectionName = "Continuum";

    /// <summary>Root of everything kept on local disk: SQLite files and, by default, blobs.</summary>
    public string DataDir { get; set; } = "continuum-data";

    public DatabaseOptions Database { get; set; } = new();

    public BusOptions Bus { get; set; } = new();

    public BlobOptions Blobs { get; set; } = new();

    /// <summary>
    /// Address of each service this process calls but does not host, by short name, e.g.
    /// <c>Continuum:Endpoints:data=http://data:5000</c>. A hosted service is called on this process's address.
    /// </summary>
    public Dictionary<string, string> Endpoints { get; set; } = [];
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

public sealed class DatabaseOptions
{
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// PostgreSQL connection string; each service works in a schema of its own name inside that database.
    /// Ignored for SQLite, where each service has its own file under <see cref="ContinuumOptions.DataDir"/>.
    /// </summary>
    public string? ConnectionString { get; set; }
}

public enum BusTransport
{
    InMemory,
    RabbitMq,
}

public sealed class BusOptions
{
    public BusTransport Transport { get; set; } = BusTransport.InMemory;

    /// <summary>AMQP address of the broker, e.g. <c>amqp://guest:guest@localhost:5672/</c>.</summary>
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>Prefix for queue names, so several deployments (or test runs) can share one broker.</summary>
    public string? QueuePrefix { get; set; }
}

public sealed class BlobOptions
{
    /// <summary>
    /// Blob root; relative paths are under <see cref="ContinuumOptions.DataDir"/>. Default <c>blobs</c>.
    /// </summary>
    public string Root { get; set; } = "blobs";
}
