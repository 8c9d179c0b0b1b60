using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;

namespace Continuum.Events;

/// <summary>
/// Turns an events.proto message into its bus record. The records mirror the messages field for field (a test
/// holds them to it), so the message's JSON reads straight into the record and no event needs a hand mapping.
/// </summary>
public static class EventRecords
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    // Proto JSON writes 64-bit integers as strings and timestamps as RFC 3339 text.
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static TRecord FromProto<TRecord>(IMessage message) =>
        JsonSerializer.Deserialize<TRecord>(Formatter.Format(message), Options)
        ?? throw new InvalidOperationException($"{message.Descriptor.FullName} read as null.");
}
