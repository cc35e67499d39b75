namespace GicService.Domain.Bitfields;

/// <summary>The one place where bit fields of registers, commands and table entries are cut and spliced.</summary>
public static class Bits
{
    public static ulong Mask(int width) => width >= 64 ? ulong.MaxValue : (1UL << width) - 1;

    /// <summary>The field [lsb + width - 1 : lsb] of <paramref name="raw"/>.</summary>
    public static ulong Extract(ulong raw, int lsb, int width) => (raw >> lsb) & Mask(width);

    /// <summary><paramref name="raw"/> with the field [lsb + width - 1 : lsb] replaced by <paramref name="value"/>.</summary>
    public static ulong Insert(ulong raw, int lsb, int width, ulong value)
    {
        var mask = Mask(width) << lsb;
        return (raw & ~mask) | ((value << lsb) & mask);
    }

    public static bool IsSet(ulong raw, int bit) => ((raw >> bit) & 1) != 0;

    public static ulong Set(ulong raw, int bit, bool value) => value ? raw | (1UL << bit) : raw & ~(1UL << bit);

    /// <summary>True when <paramref name="value"/> fits in an unsigned field of <paramref name="width"/> bits.</summary>
    public static bool Fits(ulong value, int width) => (value & ~Mask(width)) == 0;

    /// <summary>Bits [hi:lo] set, as the kernel's GENMASK_ULL.</summary>
    public static ulong Range(int hi, int lo) => Mask(hi - lo + 1) << lo;
}
