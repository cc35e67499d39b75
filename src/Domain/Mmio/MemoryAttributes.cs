using GicService.Domain.Bitfields;

namespace GicService.Domain.Mmio;

/// <summary>
/// KVM's sanitising of the shareability and cacheability fields of GITS_CBASER, GITS_BASERn,
/// GICR_PROPBASER and GICR_PENDBASER (vgic_sanitise_shareability, _inner_cacheability, _outer_cacheability).
/// </summary>
public static class MemoryAttributes
{
    private const ulong OuterShareable = 2;
    private const ulong InnerShareable = 1;
    private const ulong CacheNcnb = 0;
    private const ulong CacheNc = 1;
    private const ulong CacheRawb = 3;

    public static ulong Sanitise(ulong raw, int shareabilityLsb, int innerCacheLsb, int outerCacheLsb)
    {
        var share = Bits.Extract(raw, shareabilityLsb, 2);
        if (share == OuterShareable)
        {
            raw = Bits.Insert(raw, shareabilityLsb, 2, InnerShareable);
        }

        var inner = Bits.Extract(raw, innerCacheLsb, 3);
        if (inner is CacheNcnb or CacheNc)
        {
            raw = Bits.Insert(raw, innerCacheLsb, 3, CacheRawb);
        }

        var outer = Bits.Extract(raw, outerCacheLsb, 3);
        if (outer is not (0 or CacheNc))
        {
            raw = Bits.Insert(raw, outerCacheLsb, 3, 0);
        }

        return raw;
    }
}
