using System.Reflection;
using Continuum.Events;
using Google.Protobuf.Reflection;

namespace Continuum.Tests.Contracts;

/// <summary>
/// The bus carries C# records; subscribers in other languages read events.proto. These tests keep the
/// two the same: every proto message has a record with the same fields, of matching types.
/// </summary>
public sealed class EventContractTests
{
    public static TheoryData<string> EventMessages()
    {
        var data = new TheoryData<string>();
        foreach (var message in Continuum.Events.V1.EventsReflection.Descriptor.MessageTypes)
        {
            data.Add(message.Name);
        }

        return data;
    }

    [Fact]
    public void EventsProto_DefinesEveryPublishedEvent()
    {
        var names = Continuum.Events.V1.EventsReflection.Descriptor.MessageTypes.Select(m => m.Name).ToHashSet();

        Assert.Superset(
            new HashSet<string>
            {
                "DatasetVersionCreated", "TrainingJobCompleted", "TrainingJobFailed", "StudyCompleted",
                "CompressionJobCompleted", "ModelVersionCreated", "ModelAliasChanged",
            },
            names);
    }

    [Theory]
    [MemberData(nameof(EventMessages))]
    public void Record_MatchesProtoMessage_FieldForField(string messageName)
    {
        var message = Continuum.Events.V1.EventsReflection.Descriptor.MessageTypes.Single(m => m.Name == messageName);
        var record = typeof(ModelVersionCreated).Assembly.GetType($"Continuum.Events.{messageName}");
        Assert.NotNull(record);

        var properties = record.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.Name != "EqualityContract")
            .ToDictionary(p => p.Name);
        var expected = message.Fields.InFieldNumberOrder().ToDictionary(f => PascalCase(f.Name));

        Assert.Equal(expected.Keys.Order(), properties.Keys.Order());
        foreach (var (name, field) in expected)
        {
            Assert.True(properties[name].PropertyType == ClrType(field),
                $"{messageName}.{name} is {properties[name].PropertyType.Name}; "
                + $"the proto field {field.Name} needs {ClrType(field).Name}.");
        }
    }

    private static string PascalCase(string snake) =>
        string.Concat(snake.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private static Type ClrType(FieldDescriptor field)
    {
        var element = field.FieldType switch
        {
            FieldType.String => typeof(string),
            FieldType.Int64 => typeof(long),
            FieldType.Int32 => typeof(int),
            FieldType.Double => typeof(double),
            FieldType.Bool => typeof(bool),
            FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" => typeof(DateTimeOffset),
            FieldType.Message =>
                typeof(ModelVersionCreated).Assembly.GetType($"Continuum.Events.{field.MessageType.Name}")!,
            _ => throw new InvalidOperationException($"Events keep to simple types; {field.FieldType} is not one."),
        };
        return field.IsRepeated ? typeof(IReadOnlyList<>).MakeGenericType(element) : element;
    }
}
