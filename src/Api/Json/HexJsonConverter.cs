using System.Text.Json;
using System.Text.Json.Serialization;

namespace GicService.Api.Json;

/// <summary>Reads a <see cref="Hex"/> from a non-negative JSON integer or a "0x..." string; writes "0x...".</summary>
public sealed class HexJsonConverter : JsonConverter<Hex>
{
    public override Hex Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number when reader.TryGetUInt64(out var number):
                return new Hex(number);
            case JsonTokenType.String when Hex.TryParse(reader.GetString(), out var parsed) && reader.GetString()!.StartsWith("0x", StringComparison.OrdinalIgnoreCase):
                return parsed;
            default:
                throw new JsonException("Expected a non-negative integer that fits 64 bits, or a \"0x...\" hex string.");
        }
    }

    public override void Write(Utf8JsonWriter writer, Hex value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
