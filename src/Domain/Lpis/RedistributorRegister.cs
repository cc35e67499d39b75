using GicService.Domain.Mmio;

namespace GicService.Domain.Lpis;

/// <summary>Offsets in a redistributor's RD_base frame that matter for LPIs (spec/its.md §1.8).</summary>
public enum RedistributorRegister
{
    Control = 0x0000,           // GICR_CTLR
    ImplementerId = 0x0004,     // GICR_IIDR
    Type = 0x0008,              // GICR_TYPER
    SetLpiPending = 0x0040,     // GICR_SETLPIR (RAZ/WI: DirectLPI = 0)
    ClearLpiPending = 0x0048,   // GICR_CLRLPIR (RAZ/WI)
    PropertyBase = 0x0070,      // GICR_PROPBASER
    PendingBase = 0x0078,       // GICR_PENDBASER
    InvalidateLpi = 0x00A0,     // GICR_INVLPIR
    InvalidateAll = 0x00B0,     // GICR_INVALLR
    Synchronize = 0x00C0,       // GICR_SYNCR
}

/// <summary>The redistributor register names the API uses, with their offsets and widths.</summary>
public static class RedistributorRegisters
{
    private static readonly RegisterTable<RedistributorRegister> Table = new(
        ("GICR_CTLR", RedistributorRegister.Control, 4),
        ("GICR_IIDR", RedistributorRegister.ImplementerId, 4),
        ("GICR_TYPER", RedistributorRegister.Type, 8),
        ("GICR_SETLPIR", RedistributorRegister.SetLpiPending, 8),
        ("GICR_CLRLPIR", RedistributorRegister.ClearLpiPending, 8),
        ("GICR_PROPBASER", RedistributorRegister.PropertyBase, 8),
        ("GICR_PENDBASER", RedistributorRegister.PendingBase, 8),
        ("GICR_INVLPIR", RedistributorRegister.InvalidateLpi, 8),
        ("GICR_INVALLR", RedistributorRegister.InvalidateAll, 8),
        ("GICR_SYNCR", RedistributorRegister.Synchronize, 4));

    public static IEnumerable<string> Names => Table.Names;

    public static bool TryFind(string name, out RedistributorRegister offset, out int widthBytes) => Table.TryFind(name, out offset, out widthBytes);

    public static int WidthOf(RedistributorRegister offset) => Table.WidthOf(offset);

    /// <summary>False for an offset this model does not list: RAZ/WI.</summary>
    public static bool IsListed(RedistributorRegister offset) => Table.IsListed(offset);

    public static string NameOf(RedistributorRegister offset) => Table.NameOf(offset);
}
