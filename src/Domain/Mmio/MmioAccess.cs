namespace GicService.Domain.Mmio;

/// <summary>
/// How KVM's vgic MMIO dispatch accesses a register (vgic-mmio.c): 32-bit registers take aligned 32-bit
/// accesses; 64-bit registers take an aligned 64-bit access or a 32-bit access to either half
/// (upper half at +4). Anything else is RAZ/WI.
/// </summary>
public static class MmioAccess
{
    /// <summary>True when an access of <paramref name="length"/> bytes at <paramref name="offsetInRegister"/> is one KVM performs.</summary>
    public static bool IsValid(int registerWidthBytes, int offsetInRegister, int length) =>
        registerWidthBytes switch
        {
            4 => offsetInRegister == 0 && length == 4,
            8 => (length == 8 && offsetInRegister == 0) || (length == 4 && offsetInRegister is 0 or 4),
            _ => false,
        };

    /// <summary>The register value after a write of <paramref name="length"/> bytes at <paramref name="offsetInRegister"/> (KVM's update_64bit_reg).</summary>
    public static ulong Merge(ulong register, int offsetInRegister, int length, ulong value)
    {
        if (length == 8)
        {
            return value;
        }

        var shift = offsetInRegister * 8;
        var mask = 0xFFFF_FFFFUL << shift;
        return (register & ~mask) | (((value & 0xFFFF_FFFFUL) << shift) & mask);
    }

    /// <summary>What a read of <paramref name="length"/> bytes at <paramref name="offsetInRegister"/> returns.</summary>
    public static ulong Slice(ulong register, int offsetInRegister, int length) =>
        length == 8 ? register : (register >> (offsetInRegister * 8)) & 0xFFFF_FFFFUL;
}
