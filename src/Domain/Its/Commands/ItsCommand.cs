namespace GicService.Domain.Its.Commands;

/// <summary>
/// One decoded 32-byte ITS command. Field widths are those of the command format (spec/its.md §2.2);
/// RDbase fields are kept whole ([51:16], 36 bits) and each consumer takes the bits it reads.
/// </summary>
public abstract record ItsCommand
{
    public abstract ItsOpcode Opcode { get; }

    /// <summary>The mnemonic, as the spec and api.md spell it (MAPD, VMAPTI, ...).</summary>
    public virtual string Mnemonic => Opcode.ToString().ToUpperInvariant();
}

public sealed record Movi(DeviceId DeviceId, EventId EventId, CollectionId CollectionId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Movi;
}

public sealed record Int(DeviceId DeviceId, EventId EventId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Int;
}

public sealed record Clear(DeviceId DeviceId, EventId EventId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Clear;
}

public sealed record Sync(ulong RdBase) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Sync;
}

/// <summary>MAPD. <paramref name="Size"/> is EventID bits - 1 (5 bits); <paramref name="IttAddress"/> is a 256-byte aligned PA below 2^52.</summary>
public sealed record Mapd(DeviceId DeviceId, byte Size, ulong IttAddress, bool Valid) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Mapd;
}

public sealed record Mapc(CollectionId CollectionId, ulong RdBase, bool Valid) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Mapc;
}

public sealed record Mapti(DeviceId DeviceId, EventId EventId, IntId IntId, CollectionId CollectionId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Mapti;
}

public sealed record Mapi(DeviceId DeviceId, EventId EventId, CollectionId CollectionId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Mapi;
}

public sealed record Inv(DeviceId DeviceId, EventId EventId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Inv;
}

public sealed record Invall(CollectionId CollectionId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Invall;
}

public sealed record Movall(ulong RdBase1, ulong RdBase2) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Movall;
}

public sealed record Discard(DeviceId DeviceId, EventId EventId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Discard;
}

public sealed record Vmovi(DeviceId DeviceId, EventId EventId, ushort VpeId, bool DoorbellValid, uint DoorbellIntId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vmovi;
}

public sealed record Vmovp(ushort SequenceNumber, ushort ItsList, ushort VpeId, ulong RdBase, bool Db, uint DefaultDoorbell) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vmovp;
}

/// <summary>VSGI (v4.1). <paramref name="Priority"/> is the 4-bit field (priority[7:4]); <paramref name="VIntId"/> an SGI 0-15.</summary>
public sealed record Vsgi(ushort VpeId, byte VIntId, byte Priority, bool Group, bool Clear, bool Enable) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vsgi;
}

public sealed record Vsync(ushort VpeId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vsync;
}

/// <summary>VMAPP. Addresses are 64 KiB aligned PAs below 2^52; Alloc, PTZ, VConf and the default doorbell are v4.1 fields.</summary>
public sealed record Vmapp(
    ushort VpeId,
    ulong RdBase,
    bool Valid,
    ulong VptAddress,
    byte VptSize,
    bool Alloc,
    bool Ptz,
    ulong VconfAddress,
    uint DefaultDoorbell) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vmapp;
}

public sealed record Vmapti(DeviceId DeviceId, EventId EventId, ushort VpeId, IntId VIntId, uint DoorbellIntId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vmapti;
}

public sealed record Vmapi(DeviceId DeviceId, EventId EventId, ushort VpeId, uint DoorbellIntId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vmapi;
}

public sealed record Vinvall(ushort VpeId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Vinvall;
}

public sealed record Invdb(ushort VpeId) : ItsCommand
{
    public override ItsOpcode Opcode => ItsOpcode.Invdb;
}

/// <summary>An opcode KVM does not implement: ignored when processed (spec/its.md §2.1).</summary>
public sealed record UnknownCommand(byte RawOpcode) : ItsCommand
{
    public override ItsOpcode Opcode => (ItsOpcode)RawOpcode;

    public override string Mnemonic => $"UNKNOWN(0x{RawOpcode:x2})";
}
