namespace GicService.Domain.Hosts;

public enum GicVersion
{
    V4_0,
    V4_1,
}

public static class GicVersions
{
    public static string Name(this GicVersion version) => version == GicVersion.V4_0 ? "v4.0" : "v4.1";

    public static bool TryParse(string? text, out GicVersion version)
    {
        version = text switch { "v4.1" => GicVersion.V4_1, _ => GicVersion.V4_0 };
        return text is "v4.0" or "v4.1";
    }
}
