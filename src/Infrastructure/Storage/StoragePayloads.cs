using System.IO.Compression;
using System.IO.Hashing;
using System.Text.Json;
using GicService.Infrastructure.Serialization;

namespace GicService.Infrastructure.Storage;

/// <summary>How stored blobs are encoded: inputs as plain JSON, snapshots and event segments as gzipped JSON; each with its CRC-32.</summary>
internal static class StoragePayloads
{
    public static uint Crc(ReadOnlySpan<byte> payload) => Crc32.HashToUInt32(payload);

    public static byte[] Compress<T>(T value)
    {
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(zip, value, GicJson.Options);
        }

        return buffer.ToArray();
    }

    public static T Decompress<T>(byte[] payload)
    {
        using var zip = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(zip, GicJson.Options) ?? throw new JsonException("The stored value is null.");
    }
}
