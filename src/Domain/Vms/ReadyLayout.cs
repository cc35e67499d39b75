namespace GicService.Domain.Vms;

/// <summary>
/// Where <see cref="VmSetup.Ready"/> places the guest's ITS and LPI tables in guest RAM (design/api.md):
/// a 64 KiB command queue, flat device and collection tables of 8 x 64 KiB pages (every 16-bit
/// DeviceID and ICID in range), a property table for 16 ID bits and one 64 KiB aligned pending table
/// per vCPU.
/// </summary>
public static class ReadyLayout
{
    public const ulong CommandQueue = 0x0001_0000;
    public const ulong CommandQueueBytes = 0x1_0000;
    public const ulong DeviceTable = 0x0010_0000;
    public const ulong CollectionTable = 0x0018_0000;
    public const ulong TablePages = 8;
    public const ulong PropertyTable = 0x0020_0000;
    public const int LpiIdBits = 16;
    public const byte DefaultLpiPriority = 0xA0;
    public const ulong PendingTables = 0x0021_0000;
    public const ulong PendingTableStride = 0x1_0000;

    public static ulong PendingTable(uint vcpu) => PendingTables + vcpu * PendingTableStride;

    /// <summary>First byte above the ready tables of a VM with <paramref name="vcpus"/> vCPUs.</summary>
    public static ulong End(int vcpus) => PendingTables + (ulong)vcpus * PendingTableStride;
}
