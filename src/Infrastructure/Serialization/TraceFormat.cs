using System.Text.Json;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Infrastructure.Hosting;

namespace GicService.Infrastructure.Serialization;

/// <summary>
/// A host's trace, as GET /api/hosts/{hostId}/trace writes it and POST /api/hosts/replay reads it
/// (docs/durability.md): <c>{ "format": "gicservice-trace", "version": 1, "hostId", "configuration",
/// "inputCount", "inputs": [ ... ] }</c>, each input as the journal stores it, a refused one with
/// <c>"rejected": true</c> added (informational; replay ignores it, as a refused input changes nothing).
/// </summary>
public static class TraceFormat
{
    public const string Format = "gicservice-trace";
    public const int Version = 1;

    private static ReadOnlySpan<byte> RejectedMark => ",\"rejected\":true}"u8;

    /// <summary>Writes the trace as it reads the journal, flushing as it goes, so a large host streams.</summary>
    public static async Task WriteAsync(Stream stream, HostTrace trace, CancellationToken cancellationToken)
    {
        await using var writer = new Utf8JsonWriter(stream);
        writer.WriteStartObject();
        writer.WriteString("format", Format);
        writer.WriteNumber("version", Version);
        writer.WriteString("hostId", trace.Configuration.Id);
        writer.WritePropertyName("configuration");
        writer.WriteRawValue(JsonSerializer.SerializeToUtf8Bytes(trace.Configuration, GicJson.Options), skipInputValidation: true);
        writer.WriteNumber("inputCount", trace.InputCount);
        writer.WriteStartArray("inputs");
        await foreach (var entry in trace.Inputs.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (entry.Rejected && entry.Json.Length > 1 && entry.Json.Span[^1] == (byte)'}')
            {
                var json = new byte[entry.Json.Length - 1 + RejectedMark.Length];
                entry.Json.Span[..^1].CopyTo(json);
                RejectedMark.CopyTo(json.AsSpan(entry.Json.Length - 1));
                writer.WriteRawValue(json, skipInputValidation: true);
            }
            else
            {
                writer.WriteRawValue(entry.Json.Span, skipInputValidation: true);
            }

            if (writer.BytesPending > 64 * 1024)
            {
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a trace; a malformed one fails with a <see cref="TraceFormatException"/> naming where.</summary>
    public static ReadTrace Read(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        string? format = null;
        int? version = null;
        string? hostId = null;
        HostConfiguration? configuration = null;
        long? inputCount = null;
        List<HostInput>? inputs = null;
        var where = "$";
        try
        {
            Expect(ref reader, JsonTokenType.StartObject);
            while (Next(ref reader) != JsonTokenType.EndObject)
            {
                var name = reader.GetString()!;
                where = name;
                Next(ref reader);
                switch (name)
                {
                    case "format":
                        format = reader.GetString();
                        break;
                    case "version":
                        version = reader.GetInt32();
                        break;
                    case "hostId":
                        hostId = reader.GetString();
                        break;
                    case "configuration":
                        configuration = JsonSerializer.Deserialize<HostConfiguration>(ref reader, GicJson.Options);
                        break;
                    case "inputCount":
                        inputCount = reader.GetInt64();
                        break;
                    case "inputs":
                        inputs = new List<HostInput>();
                        if (reader.TokenType != JsonTokenType.StartArray)
                        {
                            throw new JsonException("expected an array");
                        }

                        while (Next(ref reader) != JsonTokenType.EndArray)
                        {
                            where = $"inputs[{inputs.Count}]";
                            inputs.Add(JsonSerializer.Deserialize<HostInput>(ref reader, GicJson.Options) ?? throw new JsonException("an input is null"));
                        }

                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new TraceFormatException($"{where}: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new TraceFormatException($"{where}: {ex.Message}", ex);
        }

        if (format != Format || version != Version)
        {
            throw new TraceFormatException($"Not a trace this service reads: expected \"format\": \"{Format}\" and \"version\": {Version}.");
        }

        if (configuration is null || inputs is null)
        {
            throw new TraceFormatException("A trace needs \"configuration\" and \"inputs\".");
        }

        if (inputCount is { } count && count != inputs.Count)
        {
            throw new TraceFormatException($"\"inputCount\" is {count} but \"inputs\" holds {inputs.Count}: the trace is truncated.");
        }

        return new ReadTrace(hostId ?? configuration.Id, configuration, inputs);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the document ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw new JsonException($"expected {type}");
        }
    }
}

/// <summary>A trace as read: the host id and configuration it was recorded with, and its inputs in order.</summary>
public sealed record ReadTrace(string HostId, HostConfiguration Configuration, IReadOnlyList<HostInput> Inputs);

/// <summary>A trace that cannot be replayed as given.</summary>
public sealed class TraceFormatException(string message, Exception? inner = null) : Exception(message, inner);
