using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Continuum.Gateway.V1;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace Continuum.Gateway.Events;

/// <summary>
/// The events WatchEvents streams, named by the messages of its <c>event</c> oneof, so an event added there is
/// known here without a list to keep in step; and the bus records turned into those messages and back into
/// responses.
/// </summary>
public static class EventMessages
{
    private static readonly IReadOnlyDictionary<string, FieldDescriptor> Fields =
        WatchEventsResponse.Descriptor.Oneofs.Single(o => o.Name == "event").Fields
            .ToDictionary(f => f.MessageType.Name, StringComparer.Ordinal);

    // The records mirror the messages field for field (EventContractTests), so their JSON reads as proto JSON:
    // camelCase names, timestamps as RFC 3339 text with an offset.
    private static readonly JsonSerializerOptions RecordJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>Every event type name, e.g. <c>ModelAliasChanged</c>, in name order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Fields.Keys.Order(StringComparer.Ordinal)];

    public static bool IsKnown(string name) => Fields.ContainsKey(name);

    /// <summary>The events.proto message of a bus record of the same name.</summary>
    public static IMessage FromRecord<TRecord>(TRecord record)
        where TRecord : class =>
        Fields.TryGetValue(typeof(TRecord).Name, out var field)
            ? Parser.Parse(JsonSerializer.Serialize(record, RecordJson), field.MessageType)
            : throw new InvalidOperationException($"{typeof(TRecord).Name} is not an event WatchEvents streams.");

    /// <summary>A stored event as the stream sends it.</summary>
    public static WatchEventsResponse ToResponse(StoredEvent stored)
    {
        var field = Fields[stored.EventType];
        var response = new WatchEventsResponse
        {
            Cursor = stored.Seq.ToString(CultureInfo.InvariantCulture),
            ReceiveTime = Timestamp.FromDateTimeOffset(
                DateTimeOffset.Parse(stored.ReceiveTime, CultureInfo.InvariantCulture)),
        };
        field.Accessor.SetValue(response, Parser.Parse(stored.EventJson, field.MessageType));
        return response;
    }
}
