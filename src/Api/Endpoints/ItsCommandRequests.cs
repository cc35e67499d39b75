using GicService.Api.Contracts;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Inputs;
using EventId = GicService.Domain.Its.EventId;

namespace GicService.Api.Endpoints;

/// <summary>
/// Turns the commands of a request into queue entries, or says which field is malformed: an unknown op,
/// a missing or foreign field, a value that does not fit its field's bits, raw hex not 64 digits.
/// A value that fits but is out of range for this ITS is not malformed: the ITS reports it.
/// </summary>
public static class ItsCommandRequests
{
    private static readonly Dictionary<string, string[]> FieldsByOp = new(StringComparer.Ordinal)
    {
        ["MAPD"] = ["deviceId", "size", "ittAddress?", "valid"],
        ["MAPC"] = ["collectionId", "rdBase", "valid"],
        ["MAPTI"] = ["deviceId", "eventId", "intId", "collectionId"],
        ["MAPI"] = ["deviceId", "eventId", "collectionId"],
        ["MOVI"] = ["deviceId", "eventId", "collectionId"],
        ["MOVALL"] = ["rdBase", "rdBase2"],
        ["DISCARD"] = ["deviceId", "eventId"],
        ["INT"] = ["deviceId", "eventId"],
        ["CLEAR"] = ["deviceId", "eventId"],
        ["INV"] = ["deviceId", "eventId"],
        ["INVALL"] = ["collectionId"],
        ["SYNC"] = ["rdBase"],
    };

    public static IReadOnlyCollection<string> Ops => FieldsByOp.Keys;

    /// <summary>The queue entries of <paramref name="body"/>'s commands (the endpoint checks Limits:CommandsPerRequest first).</summary>
    public static List<QueuedCommand>? TryMap(CommandsRequest body, Dictionary<string, List<string>> errors)
    {
        if (body.Commands is not { Count: > 0 } commands)
        {
            Add(errors, "commands", "must hold at least one command");
            return null;
        }

        var mapped = new List<QueuedCommand>(commands.Count);
        for (var i = 0; i < commands.Count; i++)
        {
            if (TryMap(commands[i], $"commands[{i}]", errors) is { } queued)
            {
                mapped.Add(queued);
            }
        }

        return errors.Count == 0 ? mapped : null;
    }

    private static QueuedCommand? TryMap(CommandRequest? c, string at, Dictionary<string, List<string>> errors)
    {
        if (c is null)
        {
            Add(errors, at, "must be an object");
            return null;
        }

        var present = Present(c);
        if (c.Raw is { } raw)
        {
            if (c.Op is not null || present.Count > 0)
            {
                Add(errors, at, "a raw command takes no other field");
                return null;
            }

            if (raw.Length != 64 || !raw.All(char.IsAsciiHexDigit))
            {
                Add(errors, $"{at}.raw", "must be exactly 64 hex digits (the 32 bytes as they stand in the queue)");
                return null;
            }

            return new QueuedCommand(null, Convert.FromHexString(raw));
        }

        if (c.Op is null || !FieldsByOp.TryGetValue(c.Op.ToUpperInvariant(), out var fields))
        {
            Add(errors, $"{at}.op", $"must be one of {string.Join(", ", FieldsByOp.Keys)}, or give \"raw\"");
            return null;
        }

        var op = c.Op.ToUpperInvariant();
        var ok = true;
        foreach (var field in fields)
        {
            var name = field.TrimEnd('?');
            if (!field.EndsWith('?') && !present.Contains(name))
            {
                Add(errors, $"{at}.{name}", $"is required for {op}");
                ok = false;
            }
        }

        foreach (var name in present.Where(p => !fields.Any(f => f.TrimEnd('?') == p)))
        {
            Add(errors, $"{at}.{name}", $"is not a field of {op}");
            ok = false;
        }

        ok &= Fits(errors, $"{at}.collectionId", c.CollectionId, 16)
            & Fits(errors, $"{at}.size", c.Size, 5)
            & Fits(errors, $"{at}.rdBase", c.RdBase?.Value, 36)
            & Fits(errors, $"{at}.rdBase2", c.RdBase2?.Value, 36);
        if (c.IttAddress is { } itt && ((itt.Value & 0xFF) != 0 || itt.Value >= 1UL << 52))
        {
            Add(errors, $"{at}.ittAddress", "must be 256-byte aligned and below 2^52 (ITT_addr is bits [51:8])");
            ok = false;
        }

        if (!ok)
        {
            return null;
        }

        var device = new DeviceId(c.DeviceId ?? 0);
        var eventId = new EventId(c.EventId ?? 0);
        var collection = new CollectionId((ushort)(c.CollectionId ?? 0));
        ItsCommand command = op switch
        {
            "MAPD" => new Mapd(device, (byte)c.Size!.Value, c.IttAddress?.Value ?? 0, c.Valid!.Value),
            "MAPC" => new Mapc(collection, c.RdBase!.Value.Value, c.Valid!.Value),
            "MAPTI" => new Mapti(device, eventId, new IntId(c.IntId!.Value), collection),
            "MAPI" => new Mapi(device, eventId, collection),
            "MOVI" => new Movi(device, eventId, collection),
            "MOVALL" => new Movall(c.RdBase!.Value.Value, c.RdBase2!.Value.Value),
            "DISCARD" => new Discard(device, eventId),
            "INT" => new Int(device, eventId),
            "CLEAR" => new Clear(device, eventId),
            "INV" => new Inv(device, eventId),
            "INVALL" => new Invall(collection),
            _ => new Sync(c.RdBase!.Value.Value),
        };
        return new QueuedCommand(command, null, AllocateItt: op == "MAPD" && c.IttAddress is null);
    }

    private static HashSet<string> Present(CommandRequest c)
    {
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (c.DeviceId is not null) present.Add("deviceId");
        if (c.EventId is not null) present.Add("eventId");
        if (c.IntId is not null) present.Add("intId");
        if (c.CollectionId is not null) present.Add("collectionId");
        if (c.RdBase is not null) present.Add("rdBase");
        if (c.RdBase2 is not null) present.Add("rdBase2");
        if (c.Size is not null) present.Add("size");
        if (c.IttAddress is not null) present.Add("ittAddress");
        if (c.Valid is not null) present.Add("valid");
        return present;
    }

    private static bool Fits(Dictionary<string, List<string>> errors, string field, ulong? value, int bits)
    {
        if (value is { } v && v >= 1UL << bits)
        {
            Add(errors, field, $"does not fit its {bits}-bit field");
            return false;
        }

        return true;
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string problem) =>
        (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(problem);
}
