using System.CommandLine;

namespace Continuum.Cli;

/// <summary>The options every command takes, each with its environment variable.</summary>
public static class GlobalOptions
{
    public const string DefaultServer = "http://localhost:5000";

    public static readonly Option<string> Server = new("--server")
    {
        Description = "Address of the Continuum gateway (env CONTINUUM_SERVER).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTINUUM_SERVER") is { Length: > 0 } s
            ? s
            : DefaultServer,
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = "API key sent with every call (env CONTINUUM_API_KEY).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CONTINUUM_API_KEY"),
    };

    public const string Table = "table";
    public const string Json = "json";

    public static readonly Option<string> Output = CreateOutput();

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(ApiKey);
        root.Options.Add(Output);
    }

    private static Option<string> CreateOutput()
    {
        var output = new Option<string>("--output")
        {
            Description = "table for people, json for programs: one JSON document on standard output.",
            Recursive = true,
            DefaultValueFactory = _ => Table,
        };
        output.AcceptOnlyFromAmong(Table, Json);
        return output;
    }
}
