using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Spectre.Console;

namespace Continuum.Cli;

/// <summary>Writes a command's result: one JSON document, or tables for people.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    // Proto JSON: lowerCamelCase field names and enum value names, as any proto library reads them.
    private static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithIndentation());

    public static bool IsJson(ParseResult parsed) => parsed.GetValue(GlobalOptions.Output) == GlobalOptions.Json;

    public static Task WriteJsonAsync(ParseResult parsed, object document) =>
        parsed.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(document, Json));

    public static Task WriteProtoAsync(ParseResult parsed, IMessage message) =>
        parsed.InvocationConfiguration.Output.WriteLineAsync(ProtoJson.Format(message));

    /// <summary>A console on standard output, for tables.</summary>
    public static IAnsiConsole Console(ParseResult parsed) =>
        AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(parsed.InvocationConfiguration.Output),
        });

    /// <summary>
    /// A console on standard error for progress, or null when standard error is not a terminal: progress is
    /// for people watching, and stays out of logs and pipes.
    /// </summary>
    public static IAnsiConsole? Progress(ParseResult parsed)
    {
        var error = parsed.InvocationConfiguration.Error;
        if (!ReferenceEquals(error, System.Console.Error) || System.Console.IsErrorRedirected)
        {
            return null;
        }

        return AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
    }
}
