using System.Buffers;
using System.Text.Json;
using GicService.Api.Json;
using MessagePack;
using MessagePack.Formatters;

namespace GicService.Api.Hubs;

/// <summary>
/// Writes a contract as the MessagePack equivalent of its JSON form and reads it back the same way, so the two hub
/// protocols cannot drift apart as contracts gain fields: integers stay integers, strings strings, objects maps.
/// </summary>
public sealed class JsonShapedMessagePackFormatter<T> : IMessagePackFormatter<T>
{
    public static readonly JsonSerializerOptions JsonOptions = CreateJsonOptions();

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        Write(ref writer, JsonSerializer.SerializeToElement(value, JsonOptions));
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return default!;
        }

        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json))
        {
            options.Security.DepthStep(ref reader);
            Read(ref reader, writer, options);
            reader.Depth--;
        }

        return JsonSerializer.Deserialize<T>(json.WrittenSpan, JsonOptions)
            ?? throw new MessagePackSerializationException($"A {typeof(T).Name} cannot be nil here.");
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new HexJsonConverter());
        return options;
    }

    private static void Write(ref MessagePackWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var count = 0;
                foreach (var _ in element.EnumerateObject())
                {
                    count++;
                }

                writer.WriteMapHeader(count);
                foreach (var property in element.EnumerateObject())
                {
                    writer.Write(property.Name);
                    Write(ref writer, property.Value);
                }

                break;
            case JsonValueKind.Array:
                writer.WriteArrayHeader(element.GetArrayLength());
                foreach (var item in element.EnumerateArray())
                {
                    Write(ref writer, item);
                }

                break;
            case JsonValueKind.String:
                writer.Write(element.GetString());
                break;
            case JsonValueKind.Number when element.TryGetInt64(out var signed):
                writer.Write(signed);
                break;
            case JsonValueKind.Number when element.TryGetUInt64(out var unsigned):
                writer.Write(unsigned);
                break;
            case JsonValueKind.Number:
                writer.Write(element.GetDouble());
                break;
            case JsonValueKind.True:
                writer.Write(true);
                break;
            case JsonValueKind.False:
                writer.Write(false);
                break;
            default:
                writer.WriteNil();
                break;
        }
    }

    private static void Read(ref MessagePackReader reader, Utf8JsonWriter writer, MessagePackSerializerOptions options)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Map:
                var properties = reader.ReadMapHeader();
                writer.WriteStartObject();
                for (var i = 0; i < properties; i++)
                {
                    writer.WritePropertyName(reader.ReadString() ?? throw new MessagePackSerializationException("A map key is nil."));
                    options.Security.DepthStep(ref reader);
                    Read(ref reader, writer, options);
                    reader.Depth--;
                }

                writer.WriteEndObject();
                break;
            case MessagePackType.Array:
                var items = reader.ReadArrayHeader();
                writer.WriteStartArray();
                for (var i = 0; i < items; i++)
                {
                    options.Security.DepthStep(ref reader);
                    Read(ref reader, writer, options);
                    reader.Depth--;
                }

                writer.WriteEndArray();
                break;
            case MessagePackType.String:
                writer.WriteStringValue(reader.ReadString());
                break;
            case MessagePackType.Integer when reader.NextCode == MessagePackCode.UInt64:
                writer.WriteNumberValue(reader.ReadUInt64());
                break;
            case MessagePackType.Integer:
                writer.WriteNumberValue(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                writer.WriteNumberValue(reader.ReadDouble());
                break;
            case MessagePackType.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Nil:
                reader.ReadNil();
                writer.WriteNullValue();
                break;
            default:
                throw new MessagePackSerializationException($"Unexpected MessagePack {reader.NextMessagePackType} in a contract.");
        }
    }
}
