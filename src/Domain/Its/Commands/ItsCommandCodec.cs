using System.Buffers.Binary;
using GicService.Domain.Bitfields;

namespace GicService.Domain.Its.Commands;

/// <summary>
/// The 32-byte ITS command format: four little-endian 64-bit words, DW0 first (spec/its.md §2.2,
/// field positions as Linux's its_encode_* helpers write them).
/// </summary>
public static class ItsCommandCodec
{
    public const int CommandSize = 32;

    // (doubleword, lsb, width) of each field.
    private static class F
    {
        public static readonly Field Opcode = new(0, 0, 8);
        public static readonly Field DeviceId = new(0, 32, 32);
        public static readonly Field EventId = new(1, 0, 32);
        public static readonly Field PhysicalId = new(1, 32, 32);
        public static readonly Field Size = new(1, 0, 5);
        public static readonly Field IttAddress = new(2, 8, 44);    // ITT_addr[51:8]
        public static readonly Field Valid = new(2, 63, 1);
        public static readonly Field Icid = new(2, 0, 16);
        public static readonly Field RdBase = new(2, 16, 36);       // RDbase[51:16]
        public static readonly Field RdBase2 = new(3, 16, 36);
        public static readonly Field VpeId = new(1, 32, 16);        // vPEID[47:32]
        public static readonly Field DoorbellValid = new(2, 0, 1);  // VMOVI D
        public static readonly Field DoorbellIntId = new(2, 32, 32);
        public static readonly Field VIntId = new(2, 0, 32);
        public static readonly Field SequenceNumber = new(0, 32, 16);
        public static readonly Field ItsList = new(1, 0, 16);
        public static readonly Field Db = new(2, 63, 1);
        public static readonly Field DefaultDoorbellDw3 = new(3, 0, 32);   // VMOVP
        public static readonly Field DefaultDoorbellDw1 = new(1, 0, 32);   // VMAPP
        public static readonly Field Alloc = new(0, 8, 1);
        public static readonly Field Ptz = new(0, 9, 1);
        public static readonly Field VconfAddress = new(0, 16, 36);  // VConf_addr[51:16]
        public static readonly Field VptAddress = new(3, 16, 36);    // VPT_addr[51:16]
        public static readonly Field VptSize = new(3, 0, 5);
        public static readonly Field SgiEnable = new(0, 8, 1);
        public static readonly Field SgiClear = new(0, 9, 1);
        public static readonly Field SgiGroup = new(0, 10, 1);
        public static readonly Field SgiPriority = new(0, 20, 4);
        public static readonly Field SgiIntId = new(0, 32, 4);
    }

    private readonly record struct Field(int Word, int Lsb, int Width);

    private ref struct Words
    {
        public ulong W0, W1, W2, W3;

        public readonly ulong Get(Field f) => Bits.Extract(At(f.Word), f.Lsb, f.Width);

        public void Put(Field f, ulong value)
        {
            switch (f.Word)
            {
                case 0: W0 = Bits.Insert(W0, f.Lsb, f.Width, value); break;
                case 1: W1 = Bits.Insert(W1, f.Lsb, f.Width, value); break;
                case 2: W2 = Bits.Insert(W2, f.Lsb, f.Width, value); break;
                default: W3 = Bits.Insert(W3, f.Lsb, f.Width, value); break;
            }
        }

        public void Put(Field f, bool value) => Put(f, value ? 1UL : 0UL);

        private readonly ulong At(int word) => word switch { 0 => W0, 1 => W1, 2 => W2, _ => W3 };
    }

    public static ItsCommand Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length != CommandSize)
        {
            throw new ArgumentException($"An ITS command is {CommandSize} bytes, not {raw.Length}.", nameof(raw));
        }

        var w = new Words
        {
            W0 = BinaryPrimitives.ReadUInt64LittleEndian(raw),
            W1 = BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]),
            W2 = BinaryPrimitives.ReadUInt64LittleEndian(raw[16..]),
            W3 = BinaryPrimitives.ReadUInt64LittleEndian(raw[24..]),
        };

        var device = new DeviceId((uint)w.Get(F.DeviceId));
        var eventId = new EventId((uint)w.Get(F.EventId));
        var icid = new CollectionId((ushort)w.Get(F.Icid));
        var vpe = (ushort)w.Get(F.VpeId);
        var opcode = (byte)w.Get(F.Opcode);

        return (ItsOpcode)opcode switch
        {
            ItsOpcode.Movi => new Movi(device, eventId, icid),
            ItsOpcode.Int => new Int(device, eventId),
            ItsOpcode.Clear => new Clear(device, eventId),
            ItsOpcode.Sync => new Sync(w.Get(F.RdBase)),
            ItsOpcode.Mapd => new Mapd(device, (byte)w.Get(F.Size), w.Get(F.IttAddress) << 8, w.Get(F.Valid) != 0),
            ItsOpcode.Mapc => new Mapc(icid, w.Get(F.RdBase), w.Get(F.Valid) != 0),
            ItsOpcode.Mapti => new Mapti(device, eventId, new IntId((uint)w.Get(F.PhysicalId)), icid),
            ItsOpcode.Mapi => new Mapi(device, eventId, icid),
            ItsOpcode.Inv => new Inv(device, eventId),
            ItsOpcode.Invall => new Invall(icid),
            ItsOpcode.Movall => new Movall(w.Get(F.RdBase), w.Get(F.RdBase2)),
            ItsOpcode.Discard => new Discard(device, eventId),
            ItsOpcode.Vmovi => new Vmovi(device, eventId, vpe, w.Get(F.DoorbellValid) != 0, (uint)w.Get(F.DoorbellIntId)),
            ItsOpcode.Vmovp => new Vmovp(
                (ushort)w.Get(F.SequenceNumber), (ushort)w.Get(F.ItsList), vpe, w.Get(F.RdBase), w.Get(F.Db) != 0,
                (uint)w.Get(F.DefaultDoorbellDw3)),
            ItsOpcode.Vsgi => new Vsgi(
                vpe, (byte)w.Get(F.SgiIntId), (byte)w.Get(F.SgiPriority), w.Get(F.SgiGroup) != 0,
                w.Get(F.SgiClear) != 0, w.Get(F.SgiEnable) != 0),
            ItsOpcode.Vsync => new Vsync(vpe),
            ItsOpcode.Vmapp => new Vmapp(
                vpe, w.Get(F.RdBase), w.Get(F.Valid) != 0, w.Get(F.VptAddress) << 16, (byte)w.Get(F.VptSize),
                w.Get(F.Alloc) != 0, w.Get(F.Ptz) != 0, w.Get(F.VconfAddress) << 16, (uint)w.Get(F.DefaultDoorbellDw1)),
            ItsOpcode.Vmapti => new Vmapti(device, eventId, vpe, new IntId((uint)w.Get(F.VIntId)), (uint)w.Get(F.DoorbellIntId)),
            ItsOpcode.Vmapi => new Vmapi(device, eventId, vpe, (uint)w.Get(F.DoorbellIntId)),
            ItsOpcode.Vinvall => new Vinvall(vpe),
            ItsOpcode.Invdb => new Invdb(vpe),
            _ => new UnknownCommand(opcode),
        };
    }

    public static byte[] Encode(ItsCommand command)
    {
        var bytes = new byte[CommandSize];
        Encode(command, bytes);
        return bytes;
    }

    public static void Encode(ItsCommand command, Span<byte> destination)
    {
        if (destination.Length < CommandSize)
        {
            throw new ArgumentException($"An ITS command needs {CommandSize} bytes.", nameof(destination));
        }

        var w = new Words();
        w.Put(F.Opcode, (byte)command.Opcode);
        switch (command)
        {
            case Movi c: PutDeviceEvent(ref w, c.DeviceId, c.EventId); w.Put(F.Icid, c.CollectionId.Value); break;
            case Int c: PutDeviceEvent(ref w, c.DeviceId, c.EventId); break;
            case Clear c: PutDeviceEvent(ref w, c.DeviceId, c.EventId); break;
            case Sync c: w.Put(F.RdBase, c.RdBase); break;
            case Mapd c:
                w.Put(F.DeviceId, c.DeviceId.Value);
                w.Put(F.Size, c.Size);
                w.Put(F.IttAddress, c.IttAddress >> 8);
                w.Put(F.Valid, c.Valid);
                break;
            case Mapc c: w.Put(F.Icid, c.CollectionId.Value); w.Put(F.RdBase, c.RdBase); w.Put(F.Valid, c.Valid); break;
            case Mapti c:
                PutDeviceEvent(ref w, c.DeviceId, c.EventId);
                w.Put(F.PhysicalId, c.IntId.Value);
                w.Put(F.Icid, c.CollectionId.Value);
                break;
            case Mapi c: PutDeviceEvent(ref w, c.DeviceId, c.EventId); w.Put(F.Icid, c.CollectionId.Value); break;
            case Inv c: PutDeviceEvent(ref w, c.DeviceId, c.EventId); break;
            case Invall c: w.Put(F.Icid, c.CollectionId.Value); break;
            case Movall c: w.Put(F.RdBase, c.RdBase1); w.Put(F.RdBase2, c.RdBase2); break;
            case Discard c: PutDeviceEvent(ref w, c.DeviceId, c.EventId); break;
            case Vmovi c:
                PutDeviceEvent(ref w, c.DeviceId, c.EventId);
                w.Put(F.VpeId, c.VpeId);
                w.Put(F.DoorbellValid, c.DoorbellValid);
                w.Put(F.DoorbellIntId, c.DoorbellIntId);
                break;
            case Vmovp c:
                w.Put(F.SequenceNumber, c.SequenceNumber);
                w.Put(F.ItsList, c.ItsList);
                w.Put(F.VpeId, c.VpeId);
                w.Put(F.RdBase, c.RdBase);
                w.Put(F.Db, c.Db);
                w.Put(F.DefaultDoorbellDw3, c.DefaultDoorbell);
                break;
            case Vsgi c:
                w.Put(F.VpeId, c.VpeId);
                w.Put(F.SgiIntId, c.VIntId);
                w.Put(F.SgiPriority, c.Priority);
                w.Put(F.SgiGroup, c.Group);
                w.Put(F.SgiClear, c.Clear);
                w.Put(F.SgiEnable, c.Enable);
                break;
            case Vsync c: w.Put(F.VpeId, c.VpeId); break;
            case Vmapp c:
                w.Put(F.VpeId, c.VpeId);
                w.Put(F.RdBase, c.RdBase);
                w.Put(F.Valid, c.Valid);
                w.Put(F.VptAddress, c.VptAddress >> 16);
                w.Put(F.VptSize, c.VptSize);
                w.Put(F.Alloc, c.Alloc);
                w.Put(F.Ptz, c.Ptz);
                w.Put(F.VconfAddress, c.VconfAddress >> 16);
                w.Put(F.DefaultDoorbellDw1, c.DefaultDoorbell);
                break;
            case Vmapti c:
                PutDeviceEvent(ref w, c.DeviceId, c.EventId);
                w.Put(F.VpeId, c.VpeId);
                w.Put(F.VIntId, c.VIntId.Value);
                w.Put(F.DoorbellIntId, c.DoorbellIntId);
                break;
            case Vmapi c:
                PutDeviceEvent(ref w, c.DeviceId, c.EventId);
                w.Put(F.VpeId, c.VpeId);
                w.Put(F.DoorbellIntId, c.DoorbellIntId);
                break;
            case Vinvall c: w.Put(F.VpeId, c.VpeId); break;
            case Invdb c: w.Put(F.VpeId, c.VpeId); break;
            case UnknownCommand: break;
            default: throw new System.Diagnostics.UnreachableException($"No encoding for {command.GetType().Name}.");
        }

        BinaryPrimitives.WriteUInt64LittleEndian(destination, w.W0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], w.W1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], w.W2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], w.W3);
    }

    /// <summary>The 32 bytes as 64 hex digits, as they stand in the queue (DW0 first, each word little-endian).</summary>
    public static string ToHex(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(raw);

    private static void PutDeviceEvent(ref Words w, DeviceId device, EventId eventId)
    {
        w.Put(F.DeviceId, device.Value);
        w.Put(F.EventId, eventId.Value);
    }
}
