using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Continuum.Cli;

/// <summary>Writes a command's result: one JSON document, or a table for people.</summary>
public static class Output
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static bool IsJson(ParseResult parsed) => parsed.GetValue(GlobalOptions.Output) == GlobalOptions.Json;

    public static Task WriteJsonAsync(ParseResult parsed, object document) =>
        parsed.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(document, Json));
}
