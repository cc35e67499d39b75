namespace GicService.Domain.Lpis;

/// <summary>
/// One byte of the LPI property (configuration) table at PROPBASER + (INTID - 8192): bit 0 = Enable,
/// bit 1 RES1/group (ignored), bits [7:2] = priority; KVM keeps priority = byte &amp; 0xFC (spec/its.md §4).
/// </summary>
public readonly record struct LpiProperty(byte Raw)
{
    public const byte PriorityMask = 0xFC;

    public bool Enabled => (Raw & 1) != 0;

    public byte Priority => (byte)(Raw & PriorityMask);

    public static LpiProperty From(bool enabled, byte priority) => new((byte)((priority & PriorityMask) | 0x2 | (enabled ? 1 : 0)));
}
