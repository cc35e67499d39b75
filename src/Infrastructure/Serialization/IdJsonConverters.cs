using System.Text.Json;
using System.Text.Json.Serialization;
using GicService.Domain.Its;

namespace GicService.Infrastructure.Serialization;

// The architected identifiers are plain JSON numbers, as in the API.

public sealed class DeviceIdJsonConverter : JsonConverter<DeviceId>
{
    public override DeviceId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetUInt32());

    public override void Write(Utf8JsonWriter writer, DeviceId value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Value);
}

public sealed class EventIdJsonConverter : JsonConverter<EventId>
{
    public override EventId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetUInt32());

    public override void Write(Utf8JsonWriter writer, EventId value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Value);
}

public sealed class IntIdJsonConverter : JsonConverter<IntId>
{
    public override IntId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetUInt32());

    public override void Write(Utf8JsonWriter writer, IntId value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Value);
}

public sealed class CollectionIdJsonConverter : JsonConverter<CollectionId>
{
    public override CollectionId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.GetUInt16());

    public override void Write(Utf8JsonWriter writer, CollectionId value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Value);
}
