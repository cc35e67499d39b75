using GicService.Domain.Bitfields;
using GicService.Domain.Mmio;

namespace GicService.Domain.Its;

/// <summary>GITS_CBASER (spec/its.md §1.5): Size[7:0], Shareability[11:10], PA[51:12], OuterCache[55:53], InnerCache[61:59], Valid[63].</summary>
public readonly record struct GitsCbaser(ulong Raw)
{
    public bool Valid => Bits.IsSet(Raw, 63);

    /// <summary>Queue bytes: (Size + 1) x 4 KiB.</summary>
    public ulong QueueBytes => (Bits.Extract(Raw, 0, 8) + 1) * 4096;

    public ulong Address => Raw & Bits.Range(51, 12);

    /// <summary>KVM's vgic_sanitise_its_cbaser: attribute fields sanitised, PA forced 64 KiB aligned.</summary>
    public static GitsCbaser Sanitise(ulong raw)
    {
        raw = MemoryAttributes.Sanitise(raw, shareabilityLsb: 10, innerCacheLsb: 59, outerCacheLsb: 53);
        return new GitsCbaser(raw & ~Bits.Range(15, 12));
    }

    public static ulong Make(ulong address, ulong queueBytes) =>
        (1UL << 63) | (3UL << 59) | (1UL << 10) | (address & Bits.Range(51, 16)) | ((queueBytes / 4096) - 1);
}
