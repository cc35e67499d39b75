using System.Globalization;

namespace GicService.Api.Json;

/// <summary>
/// An address, register value or code: accepted as a JSON number or a "0x..." string, always written as
/// a "0x..." string (design/api.md).
/// </summary>
public readonly record struct Hex(ulong Value)
{
    public static implicit operator Hex(ulong value) => new(value);

    public override string ToString() => $"0x{Value:x}";

    /// <summary>Parses decimal digits or "0x" followed by hex digits, as routes and bodies accept.</summary>
    public static bool TryParse(string? text, out Hex value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            var digits = text.AsSpan(2);
            if (digits.Length is 0 or > 16 || !ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
            {
                return false;
            }

            value = new Hex(hex);
            return true;
        }

        if (!text.All(char.IsAsciiDigit) || !ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec))
        {
            return false;
        }

        value = new Hex(dec);
        return true;
    }
}
