using Continuum.Registry.Storage;
using Google.Protobuf;
using ModelAliasChanged = Continuum.Events.V1.ModelAliasChanged;
using ModelVersionCreated = Continuum.Events.V1.ModelVersionCreated;

namespace Continuum.Registry.Changes;

/// <summary>Reads journaled changes back into their events.proto messages.</summary>
public static class RegistryChanges
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    public static IMessage Parse(ChangeRow row) => row.EventType switch
    {
        nameof(ModelVersionCreated) => Parser.Parse<ModelVersionCreated>(row.EventJson),
        nameof(ModelAliasChanged) => Parser.Parse<ModelAliasChanged>(row.EventJson),
        _ => throw new InvalidOperationException($"Change {row.Seq} has unknown type {row.EventType}."),
    };
}
