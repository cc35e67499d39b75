using System.Globalization;
using CsCheck;
using GicService.Domain.Its;
using GicService.Domain.Vms;

namespace GicService.Api.Tests.Robustness;

/// <summary>
/// Generators of requests for every route of design/api.md and openapi.yaml: mostly well formed with ids from
/// small ranges (so they hit the warm-up's VMs, devices, collections and forwarded vectors, and collide), mixed
/// with malformed JSON, wrong JSON types, huge and negative numbers, unknown fields and ops, random raw commands,
/// register and guest memory writes, bad path segments, wrong methods and content types.
/// </summary>
public static class FuzzRequests
{
    public static readonly string Translater = $"0x{GicService.Domain.Vms.Vm.ItsBase + VirtualIts.TranslaterOffset:x}";

    // ------------------------------------------------------------ JSON text

    private static Gen<string> Const(string value) => Gen.Const(value);

    private static Gen<string> OneOf(params string[] values) => Gen.OneOf(values);

    private static Gen<string> Num(Gen<long> values) => values.Select(v => v.ToString(CultureInfo.InvariantCulture));

    private static Gen<string> Num(params long[] values) => Num(Gen.OneOf(values));

    private static Gen<string> Range(long min, long max) => Num(Gen.Long[min, max]);

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static Gen<string> HexText(Gen<ulong> values) => values.Select(v => $"\"0x{v:x}\"");

    private static Gen<string> Bool => OneOf("true", "false");

    /// <summary>Values of the wrong type or beyond every field's range.</summary>
    private static readonly Gen<string> JunkValue = Gen.Frequency(
        (6, OneOf("null", "true", "false", "\"\"", "\"abc\"", "[]", "{}", "[1,2]", "{\"a\":1}", "-1", "-9223372036854775809",
            "18446744073709551616", "18446744073709551615", "9223372036854775808", "4294967296", "4294967295", "2147483648",
            "1e400", "1.5", "-0", "0.0", "1e3", "\"0x\"", "\"0xzz\"", "\"0x10000000000000000\"", "\"-0x1\"", "\"123\"", "\"0X1F\"",
            "\" 0x1\"", "\"\\u0000\"", "\"0x1 \"")),
        (1, Gen.String[0, 40].Select(Quote)),
        (1, Gen.Long.Select(v => v.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.ULong.Select(v => v.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(v => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "1e999")),
        (1, Gen.Const(Quote(new string('9', 5000)))));

    /// <summary>Bodies that are not the JSON object a route binds.</summary>
    private static readonly Gen<string> JunkBody = Gen.Frequency(
        (8, OneOf("", " ", "{", "}", "[]", "null", "42", "\"text\"", "{\"a\":", "{,}", "{\"value\":1,}", "{'value':1}", "{\"value\":1 /* c */}",
            "{\"value\":NaN}", "{\"value\":Infinity}", "\uFEFF{}", "{\"value\":1}{\"value\":2}", "{\"value\":1}garbage", "{}", "[{}]",
            "{\"\":1}", "{\"value\":\"\\ud800\"}", "{\"commands\":null}", "{\"commands\":[null]}", "{\"commands\":[1]}", "{\"commands\":{}}",
            "{\"Value\":1}", "{\"VALUE\":1}")),
        (1, Gen.Int[60, 200].Select(n => new string('[', n) + new string(']', n))),
        (1, Gen.Int[60, 200].Select(n => string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n))),
        (2, Gen.String[0, 80]),
        (1, JunkValue),
        (1, Gen.Const("{\"value\":" + new string('1', 100_000) + "}")));

    private const string Omit = "\u0000omit";

    /// <summary>A field's value: mostly <paramref name="valid"/>, sometimes junk, sometimes left out.</summary>
    private static Gen<string> Field(Gen<string> valid, int junk = 1, int omit = 1) =>
        Gen.Frequency((24, valid), (junk, JunkValue), (omit, Gen.Const(Omit)));

    /// <summary>A JSON object of the given fields (omitted ones left out), sometimes with an unknown or duplicated field.</summary>
    private static Gen<string> Object(params (string Name, Gen<string> Value)[] fields)
    {
        var values = Gen.Const(Array.Empty<string>());
        foreach (var (_, value) in fields)
        {
            values = Gen.Select(values, value, (list, v) => list.Append(v).ToArray());
        }

        var names = fields.Select(f => f.Name).ToArray();
        var extra = Gen.Frequency(
            (30, Gen.Const("")),
            (1, Gen.Select(OneOf("unknown", "extra", "deviceID", "__proto__", "x"), JunkValue, (n, v) => $"\"{n}\":{v}")),
            (1, names.Length == 0 ? Gen.Const("") : Gen.Select(Gen.OneOf(names), JunkValue, (n, v) => $"\"{n}\":{v}")));
        return Gen.Select(values, extra, (list, more) =>
        {
            var parts = names.Zip(list).Where(p => p.Second != Omit).Select(p => $"\"{p.First}\":{p.Second}").ToList();
            if (more.Length > 0)
            {
                parts.Add(more);
            }

            return "{" + string.Join(",", parts) + "}";
        });
    }

    /// <summary>A JSON object of exactly the given fields (omitted ones left out).</summary>
    private static Gen<string> CleanObject(params (string Name, Gen<string> Value)[] fields)
    {
        var values = Gen.Const(Array.Empty<string>());
        foreach (var (_, value) in fields)
        {
            values = Gen.Select(values, value, (list, v) => list.Append(v).ToArray());
        }

        var names = fields.Select(f => f.Name).ToArray();
        return values.Select(list => "{" + string.Join(",", names.Zip(list).Where(p => p.Second != Omit).Select(p => $"\"{p.First}\":{p.Second}")) + "}");
    }

    /// <summary>A body: the route's object most of the time, else junk.</summary>
    private static Gen<string?> Body(Gen<string> shape) => Gen.Frequency((12, shape.Select(s => (string?)s)), (1, JunkBody.Select(s => (string?)s)));

    private static readonly Gen<string?> NoBody = Gen.Frequency((20, Gen.Const((string?)null)), (1, JunkBody.Select(s => (string?)s)));

    // ------------------------------------------------------------ path segments

    /// <summary>Segments no route expects: empty-ish, encoded, negative, too large, far too long.</summary>
    private static readonly Gen<string> JunkSegment = Gen.Frequency(
        (6, OneOf("x", "%20", "%2F", "%25", "%00", "0x", "-0", "-1", "1e3", "1.0", "NaN", "null", "%5B%5D", "%E2%82%AC", "vm%3F1",
            "4294967296", "18446744073709551616", "99999999999999999999", "0x100000000", "+1", "%2B1", "%EF%BC%94", "a.b", "..%2F..", "_")),
        (1, Gen.Int[65, 400].Select(n => new string('a', n))),
        (1, Gen.String[Gen.Char["abcXYZ019-_."], 1, 20]));

    private static Gen<string> Segment(Gen<string> valid, int junk = 1) => Gen.Frequency((20, valid), (junk, JunkSegment));

    private static readonly Gen<string> HostSegment = Gen.Frequency((60, Const("{h}")), (1, Const("{new}")), (1, JunkSegment));

    private static readonly Gen<string> VmSegment = Segment(Gen.Frequency((24, Const("vm1")), (4, Const("vm2")), (1, Const("vm3"))));

    private static readonly Gen<string> VcpuSegment = Segment(Gen.Frequency((16, Range(0, 3)), (1, Num(7, 511, 512, 4294967295))));

    private static readonly Gen<string> VfioSegment = Segment(Gen.Frequency((24, Const("dev1")), (3, Const("dev2")), (1, Const("dev9"))));

    private static readonly Gen<string> VectorSegment = Segment(Gen.Frequency((24, Range(0, 3)), (2, Range(4, 8)), (1, Num(-1, 2047, 2048, 2147483647, 2147483648))));

    private static readonly Gen<string> HostIrqSegment = Segment(Gen.Frequency((8, Range(64, 80)), (1, Num(0, 8191, 8192, 4294967295))));

    private static readonly Gen<string> IntIdSegment = Segment(Gen.Frequency((12, Range(8192, 8207)), (1, Num(0, 1023, 8191, 65535, 65536, 4294967295))));

    private static readonly Gen<string> DeviceIdSegment = Segment(Gen.Frequency((12, Range(0, 5)), (1, Num(65535, 65536, 4294967295))));

    private static readonly string[] ItsRegisterNames =
        ["GITS_CTLR", "GITS_CBASER", "GITS_CWRITER", "GITS_CREADR", "GITS_BASER0", "GITS_BASER1", "GITS_BASER2", "GITS_BASER7", "GITS_TYPER", "GITS_IIDR"];

    private static readonly Gen<string> ItsRegisterSegment = Segment(Gen.Frequency(
        (20, Gen.OneOf(ItsRegisterNames)), (1, OneOf("gits_ctlr", "GITS_BASER8", "GITS_", "CTLR", "GITS_TRANSLATER", "GICR_CTLR"))));

    private static readonly string[] RdRegisterNames = ["GICR_CTLR", "GICR_TYPER", "GICR_PROPBASER", "GICR_PENDBASER", "GICR_INVLPIR", "GICR_INVALLR", "GICR_SYNCR"];

    private static readonly Gen<string> RdRegisterSegment = Segment(Gen.Frequency(
        (20, Gen.OneOf(RdRegisterNames)), (1, OneOf("gicr_ctlr", "GICR_WAKER", "GITS_CTLR", "GICR_"))));

    /// <summary>Guest addresses that matter (command queue, tables, property and pending tables) and some that do not exist.</summary>
    private static readonly Gen<ulong> GuestAddress = Gen.Frequency(
        (6, Gen.ULong[0, 0x7FF].Select(k => ReadyLayout.CommandQueue + k * 32)),
        (2, Gen.ULong[0, 0xFFFF].Select(k => ReadyLayout.DeviceTable + k * 8)),
        (1, Gen.ULong[0, 0xFFFF].Select(k => ReadyLayout.CollectionTable + k * 8)),
        (3, Gen.ULong[0, 31].Select(k => ReadyLayout.PropertyTable + k)),
        (2, Gen.ULong[0, 3].Select(v => ReadyLayout.PendingTable((uint)v) + 1024)),
        (2, Gen.ULong[0x25_0000, 0xFF_FFFF]),
        (2, Gen.ULong[0, 16].Select(d => (8UL << 20) - 8 + d)),
        (1, Gen.ULong[0, 16].Select(d => (16UL << 20) - 8 + d)),
        (1, Gen.OneOf(ulong.MaxValue, ulong.MaxValue - 3, 1UL << 63, 1UL << 52)),
        (1, Gen.ULong));

    private static readonly Gen<string> GpaSegment = Gen.Frequency(
        (8, GuestAddress.Select(a => $"0x{a:x}")),
        (2, GuestAddress.Select(a => a.ToString(CultureInfo.InvariantCulture))),
        (1, OneOf("0X10000", "0x", "0xfffffffffffffffff", "-1", "1e3", "0x-1", "%2B1", "18446744073709551616")),
        (1, JunkSegment));

    // ------------------------------------------------------------ field values

    private static readonly Gen<string> DeviceId = Gen.Frequency((16, Range(0, 4)), (1, Num(65535, 65536, 4294967295)));
    private static readonly Gen<string> EventId = Gen.Frequency((16, Range(0, 4)), (1, Num(31, 65535, 4294967295)));
    private static readonly Gen<string> IntId = Gen.Frequency((16, Range(8192, 8207)), (1, Num(0, 1023, 8191, 65535, 65536, 4294967295)));
    private static readonly Gen<string> CollectionId = Gen.Frequency((16, Range(0, 4)), (1, Num(65535, 65536)));
    private static readonly Gen<string> RdBase = Gen.Frequency((8, Range(0, 4)), (8, HexText(Gen.ULong[0, 4])), (1, HexText(Gen.OneOf(0xF_0000_0001UL, 1UL << 36))));
    private static readonly Gen<string> Size = Gen.Frequency((16, Range(0, 5)), (1, Num(15, 31, 32)));
    private static readonly Gen<string> IttAddress = Gen.Frequency(
        (8, HexText(Gen.ULong[0, 63].Select(k => 0x30_0000 + k * 0x1000))),
        (1, HexText(Gen.OneOf(0x30_0010UL, 1UL << 52, (8UL << 20) - 256, 0UL))));
    private static readonly Gen<string> Pcpu = Gen.Frequency((16, Range(0, 3)), (1, Num(4, 4095, 4096, 4294967295)));
    private static readonly Gen<string> Address = Gen.Frequency((12, Const($"\"{Translater}\"")), (1, HexText(Gen.OneOf(0x1000UL, 0UL, 0x10_0000UL))), (1, HexText(Gen.ULong)));
    private static readonly Gen<string> Data = Gen.Frequency((16, Range(0, 4)), (1, Num(31, 4294967295, 4294967296)), (1, HexText(Gen.ULong[0, 4])));
    private static readonly Gen<string> RegisterValue = Gen.Frequency(
        (4, OneOf("0", "1", "\"0x1\"", "\"0x0\"", "\"0x20\"", "\"0x40\"", "\"0x10000\"")),
        (3, HexText(Gen.OneOf(
            0xb800000000010000UL, 0xb800000000010007UL, 0x8000000000100007UL, 0x8000000000010000UL, 0x0000000000010000UL,
            0x8000000000200000UL | (1UL << 10) | (3UL << 7) | 15, 0x4000000000210000UL | (1UL << 62)))),
        (2, HexText(Gen.ULong[8192, 8207])),
        (2, HexText(Gen.ULong)),
        (1, HexText(Gen.UInt.Select(v => (ulong)v))));

    // ------------------------------------------------------------ ITS commands

    private static readonly (string Op, string[] Fields)[] Ops =
    [
        ("MAPD", ["deviceId", "size", "ittAddress?", "valid"]),
        ("MAPC", ["collectionId", "rdBase", "valid"]),
        ("MAPTI", ["deviceId", "eventId", "intId", "collectionId"]),
        ("MAPI", ["deviceId", "eventId", "collectionId"]),
        ("MOVI", ["deviceId", "eventId", "collectionId"]),
        ("MOVALL", ["rdBase", "rdBase2"]),
        ("DISCARD", ["deviceId", "eventId"]),
        ("INT", ["deviceId", "eventId"]),
        ("CLEAR", ["deviceId", "eventId"]),
        ("INV", ["deviceId", "eventId"]),
        ("INVALL", ["collectionId"]),
        ("SYNC", ["rdBase"]),
    ];

    private static Gen<string> FieldValue(string field) => field switch
    {
        "deviceId" => DeviceId,
        "eventId" => EventId,
        "intId" => IntId,
        "collectionId" => CollectionId,
        "rdBase" or "rdBase2" => RdBase,
        "size" => Size,
        "ittAddress" => IttAddress,
        _ => Gen.Frequency((6, Const("true")), (1, Const("false"))),
    };

    private static readonly int[] OpWeights = [2, 2, 5, 1, 2, 1, 2, 5, 2, 3, 2, 1];

    /// <summary>A structured command; <paramref name="clean"/> ones have every field they need, of the right type (values may still be out of range).</summary>
    private static Gen<string> StructuredCommand(bool clean) => Gen.Frequency(Ops.Select((o, i) =>
    {
        var fields = o.Fields
            .Select(f => (f.TrimEnd('?'), f.EndsWith('?') ? Gen.Frequency((1, FieldValue(f.TrimEnd('?'))), (2, Const(Omit)))
                : clean ? FieldValue(f) : Field(FieldValue(f), junk: 1, omit: 1)))
            .Prepend(("op", clean ? Gen.Frequency((30, Const($"\"{o.Op}\"")), (1, Const($"\"{o.Op.ToLowerInvariant()}\"")))
                : Gen.Frequency((30, Const($"\"{o.Op}\"")), (1, JunkValue))))
            .ToArray();
        return (OpWeights[i], (IGen<string>)(clean ? CleanObject(fields) : Object(fields)));
    }).ToArray());

    private static readonly byte[] Opcodes = [0x01, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x20, 0x21, 0x22, 0x25, 0x26, 0x27, 0x29, 0x2A, 0x2B, 0x2D];

    /// <summary>32 bytes as they stand in the queue: fully random, or an opcode with small DeviceID/EventID/INTID/ICID/RDbase fields.</summary>
    public static readonly Gen<byte[]> RawCommand = Gen.Frequency(
        (2, Gen.Byte.Array[32]),
        (6, Gen.Select(
            Gen.Frequency((12, Gen.OneOf(Opcodes)), (1, Gen.Byte)),
            Gen.Frequency((12, Gen.ULong[0, 4]), (1, Gen.ULong[0, 0xFFFF_FFFF])),
            Gen.Frequency(
                (6, Gen.Select(Gen.ULong[0, 4], Gen.ULong[8192, 8207], (e, i) => e | (i << 32))),
                (2, Gen.ULong[0, 6]),
                (1, Gen.ULong)),
            Gen.Frequency(
                (6, Gen.Select(Gen.ULong[0, 4], Gen.ULong[0, 4], Gen.Bool, (c, r, v) => c | (r << 16) | (v ? 1UL << 63 : 0))),
                (2, Gen.Select(Gen.ULong[0, 63], Gen.Bool, (k, v) => (0x30_0000 + k * 0x1000) | (v ? 1UL << 63 : 0))),
                (1, Gen.ULong)),
            Gen.Frequency((8, Gen.Const(0UL)), (1, Gen.ULong)),
            (op, dw0High, dw1, dw2, dw3) =>
            {
                var bytes = new byte[32];
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, op | (dw0High << 32));
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(8), dw1);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), dw2);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(24), dw3);
                return bytes;
            })));

    private static readonly Gen<string> CleanCommand = Gen.Frequency(
        (12, StructuredCommand(clean: true)),
        (6, RawCommand.Select(b => $"{{\"raw\":\"{Convert.ToHexStringLower(b)}\"}}")));

    private static readonly Gen<string> Command = Gen.Frequency(
        (12, StructuredCommand(clean: false)),
        (6, RawCommand.Select(b => $"{{\"raw\":\"{Convert.ToHexStringLower(b)}\"}}")),
        (1, RawCommand.Select(b => $"{{\"raw\":\"{Convert.ToHexString(b)}\",\"op\":\"INT\"}}")),
        (1, OneOf("{\"raw\":\"\"}", "{\"raw\":\"00\"}", $"{{\"raw\":\"{new string('0', 63)}\"}}", $"{{\"raw\":\"{new string('0', 65)}\"}}",
            $"{{\"raw\":\"{new string('z', 64)}\"}}", $"{{\"raw\":\"0x{new string('0', 62)}\"}}", "{\"op\":\"VMAPP\"}", "{\"op\":\"NOPE\",\"deviceId\":1}",
            "{\"op\":\"INT\",\"deviceId\":1,\"eventId\":1,\"intId\":8192}", "{}", "null", "1", "\"INT\"", "{\"raw\":5}")));

    private static readonly Gen<string> Commands = Gen.Frequency(
        (30, CleanCommand.Array[1, 6].Select(c => $"{{\"commands\":[{string.Join(",", c)}]}}")),
        (10, Gen.Select(CleanCommand.Array[0, 5], Command, Gen.Int[0, 5], (c, bad, at) => $"{{\"commands\":[{string.Join(",", c.Take(at).Append(bad).Concat(c.Skip(at)))}]}}")),
        (1, Gen.Const("{\"commands\":[]}")),
        (1, Gen.Int[4097, 4200].Select(n => $"{{\"commands\":[{string.Join(",", Enumerable.Repeat("{\"op\":\"SYNC\",\"rdBase\":0}", n))}]}}")),
        (2, Gen.Int[40, 300].Select(n => $"{{\"commands\":[{string.Join(",", Enumerable.Range(0, n).Select(i => $"{{\"op\":\"INT\",\"deviceId\":{i % 4},\"eventId\":{i % 5}}}"))}]}}")));

    // ------------------------------------------------------------ routes

    private static Gen<FuzzRequest> Route(string route, string method, Gen<string> path, Gen<string?> body) =>
        Gen.Select(path, body, (p, b) => new FuzzRequest(route, method, p, b));

    private static Gen<string> Path(params Gen<string>[] parts)
    {
        var path = Gen.Const("");
        foreach (var part in parts)
        {
            path = Gen.Select(path, part, (a, b) => a + b);
        }

        return path;
    }

    private static Gen<string> Vm(string rest = "") => Path(Const("/api/hosts/"), HostSegment, Const("/vms/"), VmSegment, Const(rest));

    private static Gen<string> Host(string rest = "") => Path(Const("/api/hosts/"), HostSegment, Const(rest));

    private static Gen<string> Query(string path, params (string Name, Gen<string> Value)[] parameters)
    {
        var query = Gen.Const("");
        foreach (var (name, value) in parameters)
        {
            var one = Gen.Frequency((8, value.Select(v => $"&{name}={v}")), (1, Gen.Const("")), (1, JunkSegment.Select(v => $"&{name}={v}")));
            query = Gen.Select(query, one, (a, b) => a + b);
        }

        return query.Select(q => q.Length == 0 ? path : $"{path}?{q[1..]}");
    }

    private static Gen<string> QueryOn(Gen<string> path, params (string Name, Gen<string> Value)[] parameters) =>
        Gen.Select(path, Query("", parameters), (p, q) => p + q);

    private static readonly Gen<string> CreateHostBody = Object(
        ("id", Gen.Frequency((8, Const("\"{new}\"")), (1, Const("\"{h}\"")), (1, JunkSegment.Select(Quote)))),
        ("pcpus", Field(Gen.Frequency((8, Range(1, 8)), (1, Num(0, 4096, 4097, -1))))),
        ("gicVersion", Field(OneOf("\"v4.0\"", "\"v4.1\"", "\"v3\"", "\"V4.1\"", "\"4.1\""))),
        ("hostIts", Gen.Frequency(
            (3, Const(Omit)),
            (3, Object(("devBits", Field(Gen.Frequency((4, Range(8, 20)), (1, Num(0, 1, 32, 33, 64))))),
                ("idBits", Field(Gen.Frequency((4, Range(14, 20)), (1, Num(0, 13, 32, 33))))),
                ("directLpi", Field(Bool)))),
            (1, JunkValue))),
        ("remapHint", Field(Bool, omit: 8)),
        ("preservePendingOnUnmap", Field(Bool, omit: 8)));

    private static readonly Gen<string> CreateVmBody = Object(
        ("id", Gen.Frequency((6, OneOf("\"vm2\"", "\"vm3\"", "\"vm1\"")), (2, Const(Omit)), (1, Const("\"{new}\"")), (1, JunkSegment.Select(Quote)))),
        ("vcpus", Field(Gen.Frequency((8, Range(1, 4)), (1, Num(0, 512, 513, -1, 2147483647))))),
        ("memoryMiB", Field(Gen.Frequency((8, OneOf("8", "16")), (1, Num(0, 1, 2, 3, -1, 1 << 20, 2147483647))), omit: 2)),
        ("setup", Field(OneOf("\"ready\"", "\"bare\"", "\"READY\"", "\"other\""), omit: 3)));

    private static readonly Gen<string> RegisterWriteBody = Object(
        ("value", Field(RegisterValue)),
        ("width", Field(Gen.Frequency((6, Num(32, 64)), (1, Num(0, 8, 16, 128, -32))), omit: 8)),
        ("upper", Field(Bool, omit: 8)),
        ("userspace", Field(Bool, omit: 5)));

    private static readonly Gen<string> RdWriteBody = Object(
        ("value", Field(RegisterValue)),
        ("width", Field(Gen.Frequency((6, Num(32, 64)), (1, Num(0, 16, 128))), omit: 8)),
        ("upper", Field(Bool, omit: 8)));

    private static readonly Gen<string> HexData = Gen.Frequency(
        (8, Gen.Byte.Array[1, 64].Select(b => $"\"{Convert.ToHexStringLower(b)}\"")),
        (4, RawCommand.Select(b => $"\"{Convert.ToHexStringLower(b)}\"")),
        (1, OneOf("\"\"", "\"0\"", "\"abc\"", "\"zz\"", "\"0x00\"", "\"00 11\"", "\"\\u0660\\u0660\"")),
        (1, Gen.Int[1, 64].Select(n => $"\"{new string('f', n * 1024)}\"")));

    private static readonly Gen<string> MemoryWriteBody = Object(("hex", Field(HexData)));

    private static readonly Gen<string> LpiConfigBody = Object(
        ("enabled", Field(Bool)),
        ("priority", Field(Gen.Frequency((8, Range(0, 255)), (1, Num(256, -1, 4294967296))))));

    private static readonly Gen<string> MsiBody = Object(("deviceId", Field(DeviceId)), ("eventId", Field(EventId)));

    private static readonly Gen<string> LoadBody = Object(("pcpu", Field(Pcpu)));

    private static readonly Gen<string> AssignBody = Object(
        ("id", Gen.Frequency((4, OneOf("\"dev2\"", "\"dev3\"", "\"dev1\"")), (2, Const(Omit)), (1, JunkSegment.Select(Quote)))),
        ("bdf", Field(Gen.Frequency((6, Range(1, 6).Select(b => $"\"0000:0{b}:00.0\"")), (1, OneOf("\"zz\"", "\"0000:01:00\"", "\"ffff:ff:1f.7\"", "\"0000:01:00.8\""))))),
        ("vectors", Field(Gen.Frequency((8, Range(1, 8)), (1, Num(0, -1, 2048, 2049, 2147483647))))),
        ("vmId", Field(OneOf("\"vm1\"", "\"vm1\"", "\"vm2\"", "\"vm3\"", "\"\""))),
        ("guestDeviceId", Field(DeviceId)));

    private static readonly Gen<string> ProgramBody = Object(
        ("address", Field(Address)),
        ("data", Field(Data)),
        ("masked", Field(Gen.Frequency((6, Const("false")), (1, Const("true"))), omit: 3)));

    private static readonly Gen<string> ForwardingBody = Object(
        ("hostIrq", Field(Gen.Frequency((8, Range(64, 80)), (1, Num(0, 8191, 4294967295))))),
        ("route", Field(Object(("address", Field(Address)), ("data", Field(Data)), ("deviceId", Field(DeviceId))))));

    private static readonly Gen<string> ReplayBody = Gen.Frequency(
        (4, Const("{trace}")),
        (2, Const("{trace-mutated}")),
        (1, OneOf("{}", "{\"format\":\"gicservice-trace\"}", "{\"format\":\"gicservice-trace\",\"version\":99}", "{\"inputs\":[]}")),
        (2, JunkBody));

    private static readonly Gen<string> Method = OneOf("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS");

    /// <summary>Every route, weighted toward the ones that change state deep in the fabric.</summary>
    public static readonly Gen<FuzzRequest> Request = Gen.Frequency(
        // hosts
        (2, Route("POST hosts", "POST", Const("/api/hosts"), Body(CreateHostBody))),
        (1, Route("GET hosts", "GET", Const("/api/hosts"), NoBody)),
        (1, Route("GET host", "GET", Host(), NoBody)),
        (1, Route("DELETE host", "DELETE", Path(Const("/api/hosts/"), Gen.Frequency((3, Const("{new}")), (1, JunkSegment))), NoBody)),
        (1, Route("GET pcpus", "GET", Host("/pcpus"), NoBody)),
        // traces
        (1, Route("GET trace", "GET", Host("/trace"), NoBody)),
        (1, Route("POST replay", "POST", Query("/api/hosts/replay", ("id", Gen.Frequency((6, Const("{new}")), (1, Const("{h}"))))), Body(ReplayBody))),
        // VMs
        (2, Route("POST vms", "POST", Host("/vms"), Body(CreateVmBody))),
        (1, Route("GET vms", "GET", Host("/vms"), NoBody)),
        (1, Route("GET vm", "GET", Vm(), NoBody)),
        (1, Route("DELETE vm", "DELETE", Path(Const("/api/hosts/"), HostSegment, Const("/vms/"), Segment(Gen.Frequency((6, Const("vm2")), (3, Const("vm3")), (1, Const("vm1"))))), NoBody)),
        (6, Route("PUT memory", "PUT", Path(Vm("/memory/"), GpaSegment), Body(MemoryWriteBody))),
        (2, Route("GET memory", "GET", QueryOn(Path(Vm("/memory/"), GpaSegment), ("length", Gen.Frequency((8, Range(1, 64)), (1, Num(0, -1, 4096, 1048576, 1048577, 2147483648))))), NoBody)),
        (4, Route("PUT lpi config", "PUT", Path(Vm("/lpis/"), IntIdSegment, Const("/config")), Body(LpiConfigBody))),
        (1, Route("GET lpis", "GET", Vm("/lpis"), NoBody)),
        // virtual ITS
        (1, Route("GET its", "GET", Vm("/its"), NoBody)),
        (1, Route("GET its register", "GET", Path(Vm("/its/registers/"), ItsRegisterSegment), NoBody)),
        (6, Route("PUT its register", "PUT", Path(Vm("/its/registers/"), ItsRegisterSegment), Body(RegisterWriteBody))),
        (24, Route("POST its commands", "POST", Vm("/its/commands"), Body(Commands))),
        (1, Route("GET its devices", "GET", Vm("/its/devices"), NoBody)),
        (1, Route("GET its device", "GET", Path(Vm("/its/devices/"), DeviceIdSegment), NoBody)),
        (1, Route("GET its collections", "GET", Vm("/its/collections"), NoBody)),
        (2, Route("GET translate", "GET", QueryOn(Vm("/its/translate"), ("deviceId", DeviceId), ("eventId", EventId)), NoBody)),
        (8, Route("POST msi", "POST", Vm("/msi"), Body(MsiBody))),
        (3, Route("POST its save/restore/reset", "POST", Path(Vm("/its/"), Gen.Frequency((3, Const("save")), (3, Const("restore")), (1, Const("reset")))), NoBody)),
        // vCPUs
        (1, Route("GET vcpus", "GET", Vm("/vcpus"), NoBody)),
        (1, Route("GET vcpu", "GET", Path(Vm("/vcpus/"), VcpuSegment), NoBody)),
        (5, Route("POST vcpu load", "POST", Path(Vm("/vcpus/"), VcpuSegment, Const("/load")), Body(LoadBody))),
        (8, Route("POST vcpu put/block/unblock", "POST", Path(Vm("/vcpus/"), VcpuSegment, OneOf("/put", "/block", "/unblock")), NoBody)),
        (6, Route("POST vcpu ack", "POST", Path(Vm("/vcpus/"), VcpuSegment, Const("/ack")), NoBody)),
        (1, Route("GET redistributor", "GET", Path(Vm("/vcpus/"), VcpuSegment, Const("/redistributor/"), RdRegisterSegment), NoBody)),
        (4, Route("PUT redistributor", "PUT", Path(Vm("/vcpus/"), VcpuSegment, Const("/redistributor/"), RdRegisterSegment), Body(RdWriteBody))),
        // events
        (2, Route("GET events", "GET", QueryOn(Host("/events"), ("after", Gen.Frequency((6, Range(0, 200)), (1, Num(-1, long.MaxValue)))),
            ("limit", Gen.Frequency((6, Range(1, 100)), (1, Num(0, 10000, 10001, -1))))), NoBody)),
        // VFIO and forwarding
        (2, Route("POST vfio device", "POST", Host("/vfio/devices"), Body(AssignBody))),
        (1, Route("GET vfio devices", "GET", Host("/vfio/devices"), NoBody)),
        (1, Route("GET vfio device", "GET", Path(Host("/vfio/devices/"), VfioSegment), NoBody)),
        (5, Route("PUT msix", "PUT", Path(Host("/vfio/devices/"), VfioSegment, Const("/msix/"), VectorSegment), Body(ProgramBody))),
        (8, Route("POST msix trigger", "POST", Path(Host("/vfio/devices/"), VfioSegment, Const("/msix/"), VectorSegment, Const("/trigger")), NoBody)),
        (3, Route("POST forwarding", "POST", Vm("/forwardings"), Body(ForwardingBody))),
        (2, Route("DELETE forwarding", "DELETE", Path(Vm("/forwardings/"), HostIrqSegment), NoBody)),
        (1, Route("GET forwardings", "GET", Vm("/forwardings"), NoBody)),
        (1, Route("GET host its vpes", "GET", Host("/its/vpes"), NoBody)),
        (1, Route("GET host its vlpis", "GET", Host("/its/vlpis"), NoBody)),
        // operations
        (1, Route("GET operations", "GET", OneOf("/healthz", "/metrics", "/", "/index.html"), NoBody)),
        // wrong method, unknown route, wrong content type
        (2, Gen.Select(Method, Gen.OneOf<string>(Vm("/its/commands"), Vm("/msi"), Vm(), Host(), Host("/events"), Path(Vm("/vcpus/"), VcpuSegment, Const("/ack")),
                Path(Host("/vfio/devices/"), VfioSegment), Const("/api/hosts"), Host("/trace"), Vm("/its/registers/GITS_CTLR")), NoBody,
            (m, p, b) => new FuzzRequest("any method", m == "DELETE" && p == "/api/hosts/{h}" ? "PATCH" : m, p, b))), // the session keeps its host
        (1, Route("unknown route", "GET", Gen.OneOf<string>(Path(Const("/api/"), JunkSegment), Host("/unknown"), Vm("/its/commands/extra"), Path(Vm("/vcpus/"), VcpuSegment, Const("/sleep")),
            Const("/API/HOSTS"), Path(Host("/vms/"), JunkSegment, Const("/"), JunkSegment)), NoBody)),
        (2, Gen.Select(Gen.OneOf<FuzzRequest>(Route("POST msi", "POST", Vm("/msi"), Body(MsiBody)), Route("POST its commands", "POST", Vm("/its/commands"), Body(Commands)),
                Route("PUT memory", "PUT", Path(Vm("/memory/"), GpaSegment), Body(MemoryWriteBody)), Route("POST vcpu load", "POST", Path(Vm("/vcpus/"), VcpuSegment, Const("/load")), Body(LoadBody))),
            Gen.Frequency((3, Gen.Const((string?)null)), (3, Gen.OneOf<string?>("text/plain", "application/xml", "application/x-www-form-urlencoded", "application/json; charset=latin1",
                "application/json; charset=utf-16", "application/problem+json", "multipart/form-data; boundary=x", "application/merge-patch+json"))),
            Gen.Frequency((4, Gen.Const(false)), (1, Gen.Const(true))),
            (r, type, latin1) => r with { Route = "content type", ContentType = type, Latin1 = latin1, Body = latin1 ? r.Body + "\u00e9\u00ff" : r.Body })));

    /// <summary>Sessions of 150-250 requests; one in <paramref name="fullCheckEvery"/> compares the whole host state around every request (0: none).</summary>
    public static Gen<FuzzSample> Sample(int fullCheckEvery) => Gen.Select(
        Gen.OneOf("v4.0", "v4.1"), Gen.Bool, fullCheckEvery == 0 ? Gen.Const(false) : Gen.Int[1, fullCheckEvery].Select(n => n == 1), Request.Array[150, 250],
        (version, directLpi, full, requests) => new FuzzSample(version, version == "v4.0" && directLpi, full, requests));
}
