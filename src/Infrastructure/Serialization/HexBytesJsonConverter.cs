using System.Text.Json;
using System.Text.Json.Serialization;

namespace GicService.Infrastructure.Serialization;

/// <summary>Byte arrays (guest memory, raw commands) as lower-case hex strings, as the API writes them.</summary>
public sealed class HexBytesJsonConverter : JsonConverter<byte[]>
{
    public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("Expected bytes as a hex string.");
        }

        try
        {
            return Convert.FromHexString(reader.GetString()!);
        }
        catch (FormatException ex)
        {
            throw new JsonException("Expected bytes as a hex string.", ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) => writer.WriteStringValue(Convert.ToHexStringLower(value));
}
