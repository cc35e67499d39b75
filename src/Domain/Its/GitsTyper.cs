namespace GicService.Domain.Its;

/// <summary>GITS_TYPER as KVM reports it, 0x1EF71 (spec/its.md §1.4).</summary>
public static class GitsTyper
{
    public const ulong Physical = 1UL << 0;
    public const int IttEntrySizeLsb = 4;     // [7:4] = bytes - 1 = 7
    public const int IdBitsLsb = 8;           // [12:8] = EventID bits - 1 = 15
    public const int DevBitsLsb = 13;         // [17:13] = DeviceID bits - 1 = 15

    /// <summary>KVM: PLPIS, 8-byte ITEs, 16-bit EventIDs and DeviceIDs, PTA = 0, no VLPIS, CIL = 0.</summary>
    public const ulong Value = Physical | (7UL << IttEntrySizeLsb) | (15UL << IdBitsLsb) | (15UL << DevBitsLsb);

    public const int EventIdBits = 16;
    public const int DeviceIdBits = 16;
    public const int IteSize = 8;
}
