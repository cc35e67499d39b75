using CsCheck;
using GicService.Domain.Bitfields;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Domain.Tests.Its.Commands;

/// <summary>The 32-byte command codec against spec/its.md §2.2.</summary>
public sealed class ItsCommandCodecTests
{
    // ------------------------------------------------------------------ generators, one per opcode record

    /// <summary>Any value of a <paramref name="width"/>-bit field.</summary>
    private static Gen<ulong> Field(int width) => Gen.ULong.Select(v => v & Bits.Mask(width));

    /// <summary>An address whose bits [msb:lsb] are free and every other bit is 0.</summary>
    private static Gen<ulong> Address(int msb, int lsb) => Gen.ULong.Select(v => v & Bits.Range(msb, lsb));

    private static readonly Gen<DeviceId> Device = Gen.UInt.Select(v => new DeviceId(v));
    private static readonly Gen<EventId> Event = Gen.UInt.Select(v => new EventId(v));
    private static readonly Gen<CollectionId> Icid = Gen.UShort.Select(v => new CollectionId(v));
    private static readonly Gen<ulong> RdBase = Field(36);
    private static readonly Gen<byte> Byte4 = Gen.Byte.Select(b => (byte)(b & 0xF));
    private static readonly Gen<byte> Byte5 = Gen.Byte.Select(b => (byte)(b & 0x1F));

    internal static readonly IReadOnlyDictionary<ItsOpcode, Gen<ItsCommand>> Generators = new Dictionary<ItsOpcode, Gen<ItsCommand>>
    {
        [ItsOpcode.Movi] = Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Movi(d, e, c)),
        [ItsOpcode.Int] = Gen.Select(Device, Event, (d, e) => (ItsCommand)new Int(d, e)),
        [ItsOpcode.Clear] = Gen.Select(Device, Event, (d, e) => (ItsCommand)new Clear(d, e)),
        [ItsOpcode.Sync] = RdBase.Select(r => (ItsCommand)new Sync(r)),
        [ItsOpcode.Mapd] = Gen.Select(Device, Byte5, Address(51, 8), Gen.Bool, (d, s, a, v) => (ItsCommand)new Mapd(d, s, a, v)),
        [ItsOpcode.Mapc] = Gen.Select(Icid, RdBase, Gen.Bool, (c, r, v) => (ItsCommand)new Mapc(c, r, v)),
        [ItsOpcode.Mapti] = Gen.Select(Device, Event, Gen.UInt, Icid, (d, e, i, c) => (ItsCommand)new Mapti(d, e, new IntId(i), c)),
        [ItsOpcode.Mapi] = Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Mapi(d, e, c)),
        [ItsOpcode.Inv] = Gen.Select(Device, Event, (d, e) => (ItsCommand)new Inv(d, e)),
        [ItsOpcode.Invall] = Icid.Select(c => (ItsCommand)new Invall(c)),
        [ItsOpcode.Movall] = Gen.Select(RdBase, RdBase, (a, b) => (ItsCommand)new Movall(a, b)),
        [ItsOpcode.Discard] = Gen.Select(Device, Event, (d, e) => (ItsCommand)new Discard(d, e)),
        [ItsOpcode.Vmovi] = Gen.Select(Device, Event, Gen.UShort, Gen.Bool, Gen.UInt, (d, e, p, v, db) => (ItsCommand)new Vmovi(d, e, p, v, db)),
        [ItsOpcode.Vmovp] = Gen.Select(Gen.UShort, Gen.UShort, Gen.UShort, RdBase, Gen.Bool, Gen.UInt,
            (s, l, p, r, db, dd) => (ItsCommand)new Vmovp(s, l, p, r, db, dd)),
        [ItsOpcode.Vsgi] = Gen.Select(Gen.UShort, Byte4, Byte4, Gen.Bool, Gen.Bool, Gen.Bool,
            (p, i, pr, g, c, e) => (ItsCommand)new Vsgi(p, i, pr, g, c, e)),
        [ItsOpcode.Vsync] = Gen.UShort.Select(p => (ItsCommand)new Vsync(p)),
        [ItsOpcode.Vmapp] = Gen.Select(
            Gen.Select(Gen.UShort, RdBase, Gen.Bool, Address(51, 16)),
            Gen.Select(Byte5, Gen.Bool, Gen.Bool, Address(51, 16), Gen.UInt),
            (a, b) => (ItsCommand)new Vmapp(a.Item1, a.Item2, a.Item3, a.Item4, b.Item1, b.Item2, b.Item3, b.Item4, b.Item5)),
        [ItsOpcode.Vmapti] = Gen.Select(Device, Event, Gen.UShort, Gen.UInt, Gen.UInt, (d, e, p, v, db) => (ItsCommand)new Vmapti(d, e, p, new IntId(v), db)),
        [ItsOpcode.Vmapi] = Gen.Select(Device, Event, Gen.UShort, Gen.UInt, (d, e, p, db) => (ItsCommand)new Vmapi(d, e, p, db)),
        [ItsOpcode.Vinvall] = Gen.UShort.Select(p => (ItsCommand)new Vinvall(p)),
        [ItsOpcode.Invdb] = Gen.UShort.Select(p => (ItsCommand)new Invdb(p)),
    };

    public static TheoryData<string> Opcodes() => new(Enum.GetNames<ItsOpcode>());

    // ------------------------------------------------------------------ round trips

    [Fact]
    public void Generators_CoverEveryOpcodeRecord_WhenEnumerated()
    {
        Assert.Equal(Enum.GetValues<ItsOpcode>().Order(), Generators.Keys.Order());
    }

    [Theory]
    [MemberData(nameof(Opcodes))]
    public void Decode_ReturnsTheEncodedCommand_ForRandomFieldValuesOfEachOpcode(string opcode)
    {
        var op = Enum.Parse<ItsOpcode>(opcode);
        Generators[op].Sample(command =>
        {
            var raw = ItsCommandCodec.Encode(command);
            Assert.Equal(ItsCommandCodec.CommandSize, raw.Length);
            Assert.Equal((byte)op, raw[0]);
            var decoded = ItsCommandCodec.Decode(raw);
            Assert.Equal(command, decoded);
            Assert.Equal(op, decoded.Opcode);
        }, iter: 300);
    }

    [Fact]
    public void Encode_IsStableUnderDecode_ForArbitraryBytesWithAnyOpcode()
    {
        Gen.Byte.Array[ItsCommandCodec.CommandSize].Sample(raw =>
        {
            var decoded = ItsCommandCodec.Decode(raw);
            var canonical = ItsCommandCodec.Encode(decoded);
            Assert.Equal(raw[0], canonical[0]);
            Assert.Equal(decoded, ItsCommandCodec.Decode(canonical));
            Assert.Equal(canonical, ItsCommandCodec.Encode(ItsCommandCodec.Decode(canonical)));
        }, iter: 2000);
    }

    [Fact]
    public void Decode_ReturnsUnknownCommand_ForEveryUndefinedOpcode()
    {
        var undefined = Enumerable.Range(0, 256).Select(b => (byte)b).Where(b => !Enum.IsDefined((ItsOpcode)b)).ToList();
        Assert.Equal(256 - Enum.GetValues<ItsOpcode>().Length, undefined.Count);
        foreach (var opcode in undefined)
        {
            var raw = new byte[32];
            Array.Fill(raw, (byte)0xA5);
            raw[0] = opcode;
            var decoded = Assert.IsType<UnknownCommand>(ItsCommandCodec.Decode(raw));
            Assert.Equal(opcode, decoded.RawOpcode);
            Assert.Equal($"UNKNOWN(0x{opcode:x2})", decoded.Mnemonic);
            var encoded = ItsCommandCodec.Encode(decoded);
            Assert.Equal(opcode, encoded[0]);
            Assert.All(encoded.Skip(1), b => Assert.Equal(0, b));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Decode_Throws_WhenTheCommandIsNot32Bytes(int length)
    {
        Assert.Throws<ArgumentException>(() => ItsCommandCodec.Decode(new byte[length]));
    }

    // ------------------------------------------------------------------ known encodings, derived by hand from the §2.2 field table

    private static void AssertEncoding(string hex, ItsCommand command)
    {
        Assert.Equal(hex, ItsCommandCodec.ToHex(ItsCommandCodec.Encode(command)));
        Assert.Equal(command, ItsCommandCodec.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMapd()
    {
        // DW0 = DeviceID 0x12345678 << 32 | 0x08; DW1 = Size 4; DW2 = ITT_addr[51:8] in place | V[63].
        AssertEncoding(
            "0800000078563412" + "0400000000000000" + "0032547608000080" + "0000000000000000",
            new Mapd(new DeviceId(0x1234_5678), 4, 0x0000_0008_7654_3200, true));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMapdWithValidClear()
    {
        AssertEncoding(
            "0800000001000000" + "0000000000000000" + "0000000000000000" + "0000000000000000",
            new Mapd(new DeviceId(1), 0, 0, false));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMapti()
    {
        // DW0 = DeviceID 1 << 32 | 0x0A; DW1 = pINTID 0x2003 << 32 | EventID 2; DW2 = ICID 5.
        AssertEncoding(
            "0a00000001000000" + "0200000003200000" + "0500000000000000" + "0000000000000000",
            new Mapti(new DeviceId(1), new EventId(2), new IntId(0x2003), new CollectionId(5)));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMapc()
    {
        // DW2 = V[63] | RDbase 2 at [51:16] | ICID 3.
        AssertEncoding(
            "0900000000000000" + "0000000000000000" + "0300020000000080" + "0000000000000000",
            new Mapc(new CollectionId(3), 2, true));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMovall()
    {
        // DW2 = RDbase1 1 at [51:16]; DW3 = RDbase2 3 at [51:16].
        AssertEncoding(
            "0e00000000000000" + "0000000000000000" + "0000010000000000" + "0000030000000000",
            new Movall(1, 3));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMovi()
    {
        AssertEncoding(
            "01000000efbeadde" + "1000000000000000" + "ffff000000000000" + "0000000000000000",
            new Movi(new DeviceId(0xDEAD_BEEF), new EventId(0x10), new CollectionId(0xFFFF)));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForMapi()
    {
        AssertEncoding(
            "0b00000002000000" + "0020000000000000" + "0100000000000000" + "0000000000000000",
            new Mapi(new DeviceId(2), new EventId(0x2000), new CollectionId(1)));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForIntClearInvAndDiscard()
    {
        AssertEncoding("0300000007000000" + "0900000000000000" + new string('0', 32), new Int(new DeviceId(7), new EventId(9)));
        AssertEncoding("0400000003000000" + "0400000000000000" + new string('0', 32), new Clear(new DeviceId(3), new EventId(4)));
        AssertEncoding("0c00000000000000" + "0080000000000000" + new string('0', 32), new Inv(new DeviceId(0), new EventId(0x8000)));
        AssertEncoding("0f00000000010000" + "ffffffff00000000" + new string('0', 32), new Discard(new DeviceId(0x100), new EventId(0xFFFF_FFFF)));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForSyncAndInvall()
    {
        AssertEncoding("0500000000000000" + "0000000000000000" + "0000050000000000" + "0000000000000000", new Sync(5));
        AssertEncoding("0d00000000000000" + "0000000000000000" + "3412000000000000" + "0000000000000000", new Invall(new CollectionId(0x1234)));
    }

    [Fact]
    public void Encode_MatchesSpecFieldTable_ForVmapti()
    {
        // DW1 = vPEID 3 at [47:32] | EventID 2; DW2 = Dbell_pINTID 1023 << 32 | vINTID 0x2000.
        AssertEncoding(
            "2a00000001000000" + "0200000003000000" + "00200000ff030000" + "0000000000000000",
            new Vmapti(new DeviceId(1), new EventId(2), 3, new IntId(0x2000), 1023));
    }

    [Fact]
    public void Decode_KeepsRdBaseBits51To48_ForMapcSoTheHandlerCanIgnoreThem()
    {
        // RDbase[51:16] holds 0xF_0000_0002: the codec keeps all 36 bits; KVM's MAPC reads only [47:16] (§2.2).
        var raw = Convert.FromHexString("0900000000000000" + "0000000000000000" + "0100020000000f80" + "0000000000000000");
        var mapc = Assert.IsType<Mapc>(ItsCommandCodec.Decode(raw));
        Assert.Equal(0xF_0000_0002UL, mapc.RdBase);
        Assert.Equal(new CollectionId(1), mapc.CollectionId);
        Assert.True(mapc.Valid);
    }
}
