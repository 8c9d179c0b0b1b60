namespace Continuum.Tests.Infrastructure;

/// <summary>The two ways Continuum runs; persistence and bus tests run on both.</summary>
public enum Backend
{
    /// <summary>SQLite files and the in-memory bus.</summary>
    Embedded,

    /// <summary>PostgreSQL and RabbitMQ, as test.sh starts them.</summary>
    Server,
}

public static class Backends
{
    public static TheoryData<Backend> Both => new() { Backend.Embedded, Backend.Server };
}
