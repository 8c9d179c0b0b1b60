using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Google.Protobuf.Reflection;
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

    // Proto JSON: lowerCamelCase field names and enum value names, as any proto library reads them. A job's
    // google.rpc.Status carries error details in Any fields, which only a registry that knows them can write.
    private static readonly JsonFormatter.Settings ProtoJsonSettings = JsonFormatter.Settings.Default
        .WithTypeRegistry(TypeRegistry.FromFiles(Google.Rpc.ErrorDetailsReflection.Descriptor));

    /// <summary>
    /// Proto JSON on one line, for streams of messages (JSON lines): indentation would split a message over lines
    /// that line-by-line readers take apart.
    /// </summary>
    public static readonly JsonFormatter CompactProtoJson = new(ProtoJsonSettings);

    private static readonly JsonFormatter ProtoJson = new(ProtoJsonSettings.WithIndentation());

    // The same with fields at their default value written out, for verdicts such as `"passed": false` that a
    // script must be able to read rather than infer from an absent field.
    private static readonly JsonFormatter ProtoJsonWithDefaults =
        new(ProtoJsonSettings.WithIndentation().WithFormatDefaultValues(true));

    public static bool IsJson(ParseResult parsed) => parsed.GetValue(GlobalOptions.Output) == GlobalOptions.Json;

    public static Task WriteJsonAsync(ParseResult parsed, object document) =>
        parsed.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(document, Json));

    public static Task WriteProtoAsync(ParseResult parsed, IMessage message, bool withDefaults = false) =>
        parsed.InvocationConfiguration.Output.WriteLineAsync(
            (withDefaults ? ProtoJsonWithDefaults : ProtoJson).Format(message));

    /// <summary>
    /// A console on standard output, for tables. Piped output is not wrapped at 80 columns, which would split
    /// hashes and names across lines for grep and awk, nor coloured, which would put escape codes around the
    /// words they match; COLUMNS, when set, decides the width.
    /// </summary>
    public static IAnsiConsole Console(ParseResult parsed)
    {
        var output = parsed.InvocationConfiguration.Output;
        var piped = !ReferenceEquals(output, System.Console.Out) || System.Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = piped ? AnsiSupport.No : AnsiSupport.Detect,
        });
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) && columns > 0)
        {
            console.Profile.Width = columns;
        }
        else if (piped)
        {
            console.Profile.Width = 240;
        }

        return console;
    }

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
