using GicService.Domain.Bitfields;
using GicService.Domain.Mmio;

namespace GicService.Domain.Its;

/// <summary>
/// GITS_BASERn (spec/its.md §1.6): Size[7:0] pages - 1, Page_Size[9:8], Shareability[11:10],
/// PA[47:16] with PA[51:48] in [15:12] for 64 KiB pages, Entry_Size[52:48], OuterCache[55:53],
/// Type[58:56], InnerCache[61:59], Indirect[62], Valid[63].
/// </summary>
public readonly record struct GitsBaser(ulong Raw)
{
    public const ulong TypeDevice = 1;
    public const ulong TypeCollection = 4;
    public const ulong PageSize = 64 * 1024;
    public const ulong EntryBytes = 8;

    /// <summary>KVM's reset values (InnerCache RaWb, Outer SameAsInner, InnerShareable, 64K pages, 8-byte entries).</summary>
    public const ulong DeviceReset = 0x1907_0000_0000_0600;
    public const ulong CollectionReset = 0x1C07_0000_0000_0600;

    private static readonly ulong ReadOnlyMask = Bits.Range(52, 48) | Bits.Range(58, 56);

    public bool Valid => Bits.IsSet(Raw, 63);

    public bool Indirect => Bits.IsSet(Raw, 62);

    public ulong Type => Bits.Extract(Raw, 56, 3);

    public ulong Pages => Bits.Extract(Raw, 0, 8) + 1;

    public ulong TableBytes => Pages * PageSize;

    /// <summary>The table's PA: [47:16] in place and [51:48] from [15:12] (GITS_BASER_ADDR_48_to_52).</summary>
    public ulong Address => (Raw & Bits.Range(47, 16)) | (Bits.Extract(Raw, 12, 4) << 48);

    /// <summary>KVM's vgic_mmio_write_its_baser: RO fields forced, Indirect cleared for collections, 64 KiB pages, attributes sanitised.</summary>
    public static GitsBaser Sanitise(ulong raw, ulong type)
    {
        raw &= ~ReadOnlyMask;
        if (type == TypeCollection)
        {
            raw &= ~(1UL << 62);
        }

        raw |= (EntryBytes - 1) << 48;
        raw |= type << 56;
        raw = MemoryAttributes.Sanitise(raw, shareabilityLsb: 10, innerCacheLsb: 59, outerCacheLsb: 53);
        raw = Bits.Insert(raw, 8, 2, 2); // 64 KiB pages only
        return new GitsBaser(raw);
    }

    /// <summary>A valid flat table of <paramref name="pages"/> 64 KiB pages at <paramref name="address"/>.</summary>
    public static ulong MakeFlat(ulong type, ulong address, ulong pages) =>
        Sanitise((1UL << 63) | (3UL << 59) | (1UL << 10) | (address & Bits.Range(47, 16)) | (Bits.Extract(address, 48, 4) << 12) | (pages - 1), type).Raw;
}
