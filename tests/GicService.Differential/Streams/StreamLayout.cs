namespace GicService.Differential.Streams;

/// <summary>
/// Guest RAM of a differential VM, the same on both sides (QEMU adds its RAM base to every address):
/// the ready tables of <see cref="GicService.Domain.Vms.ReadyLayout"/> below 4 MiB, then 1 MiB ITT slots.
/// </summary>
public static class StreamLayout
{
    public const int MemoryMiB = 64;

    public const ulong IttBase = 0x0100_0000;

    /// <summary>One slot holds the largest ITT either side can use: 2^16 QEMU ITEs of 12 bytes (KVM's are 8).</summary>
    public const ulong IttSlotBytes = 0x10_0000;

    public const int IttSlots = 8;

    /// <summary>
    /// The ICID the harness gives, in QEMU's ITT, an ITE that KVM orphaned with MAPC V=0 (row 6); the
    /// generator never maps it.
    /// </summary>
    public const ushort OrphanIcid = 0xFFFF;

    public static ulong IttSlot(int slot) => IttBase + (ulong)slot * IttSlotBytes;

    /// <summary>Devices 0-2 own slots 0-5 (two each), every other DeviceID shares slots 6-7: no two valid devices share an ITT.</summary>
    public static int IttSlotOf(uint deviceId, int choice) => deviceId <= 2 ? (int)deviceId * 2 + choice : 6 + choice;
}
