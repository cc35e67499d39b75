using System.Globalization;
using GicService.Domain.Its.Commands;

namespace GicService.Differential.Streams;

/// <summary>
/// Bits XORed into an encoded command where neither KVM (its_cmd_get_*: DeviceID DW0[63:32], EventID
/// DW1[31:0], pINTID DW1[63:32], Size DW1[4:0], ICID DW2[15:0], ITT_addr DW2[51:8], RDbase DW2/DW3[47:16],
/// V DW2[63]) nor QEMU (the same fields; MOVALL RDbase [51:16]) reads anything for that opcode.
/// </summary>
public readonly record struct CommandNoise(ulong Dw0, ulong Dw1, ulong Dw2, ulong Dw3)
{
    public static readonly CommandNoise None = default;

    public bool IsNone => this == None;

    /// <summary>The bits of each doubleword that <paramref name="command"/>'s decoders ignore on both sides.</summary>
    public static CommandNoise UnusedBits(ItsCommand command)
    {
        const ulong all = ulong.MaxValue;
        const ulong dw0 = 0xFFFF_FF00UL;          // DW0[31:8]: everything but the opcode and DeviceID
        const ulong high32 = 0xFFFF_FFFF_0000_0000UL;
        const ulong aboveIcid = 0xFFFF_FFFF_FFFF_0000UL;
        return command switch
        {
            Int or Clear or Discard or Inv => new(dw0, high32, all, all),
            Movi => new(dw0, high32, aboveIcid, all),
            Mapti => new(dw0, 0, aboveIcid, all),
            Mapi => new(dw0, high32, aboveIcid, all),
            Mapd => new(dw0, all & ~0x1FUL, 0x7FF0_0000_0000_00FFUL, all),             // DW1 above Size; DW2[7:0], [62:52]
            Mapc => new(dw0 | high32, all, 0x7FF0_0000_0000_0000UL, all),               // DW2[62:52]
            Invall => new(dw0 | high32, all, aboveIcid, all),
            Movall => new(dw0 | high32, all, 0xFFFFUL, 0xFFFFUL),                        // RDbase2 lives in DW3
            Sync => new(dw0 | high32, all, 0xFFFF | 0xFFF0_0000_0000_0000UL, all),
            _ => None,                                                                   // ignored opcodes: no noise needed
        };
    }

    public CommandNoise Within(CommandNoise mask) => new(Dw0 & mask.Dw0, Dw1 & mask.Dw1, Dw2 & mask.Dw2, Dw3 & mask.Dw3);

    public override string ToString()
    {
        var parts = new List<string>();
        void Add(string name, ulong value)
        {
            if (value != 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{name}^0x{value:x}"));
            }
        }

        Add("dw0", Dw0);
        Add("dw1", Dw1);
        Add("dw2", Dw2);
        Add("dw3", Dw3);
        return string.Join(' ', parts);
    }
}
