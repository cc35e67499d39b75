namespace GicService.Domain.Its.Commands;

/// <summary>Command opcodes, DW0[7:0] (spec/its.md §2.2). GICv4 commands are the physical opcode | 0x20.</summary>
public enum ItsOpcode : byte
{
    Movi = 0x01,
    Int = 0x03,
    Clear = 0x04,
    Sync = 0x05,
    Mapd = 0x08,
    Mapc = 0x09,
    Mapti = 0x0A,
    Mapi = 0x0B,
    Inv = 0x0C,
    Invall = 0x0D,
    Movall = 0x0E,
    Discard = 0x0F,
    Vmovi = 0x21,
    Vmovp = 0x22,
    Vsgi = 0x23,
    Vsync = 0x25,
    Vmapp = 0x29,
    Vmapti = 0x2A,
    Vmapi = 0x2B,
    Vinvall = 0x2D,
    Invdb = 0x2E,
}
