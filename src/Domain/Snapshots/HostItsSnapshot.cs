namespace GicService.Domain.Snapshots;

/// <summary>
/// The host GICv4 ITS: its id allocators, vPEs, VLPI mappings, host device bindings, vprop bytes, host IRQs of
/// VFIO vectors, and the physical redistributors that differ from reset (a vPE resident, or VPENDBASER written).
/// </summary>
public sealed record HostItsSnapshot(
    ushort NextVpeId,
    uint NextHostLpi,
    uint NextHostIrq,
    IReadOnlyList<VpeSnapshot> Vpes,
    IReadOnlyList<VlpiMappingSnapshot> Vlpis,
    IReadOnlyList<HostDeviceBindingSnapshot> Bindings,
    IReadOnlyList<VpropSnapshot> Vprop,
    IReadOnlyList<HostInterruptSnapshot> HostIrqs,
    IReadOnlyList<PhysicalRedistributorSnapshot> Redistributors);

public sealed record VpeSnapshot(
    ushort Id,
    string VmId,
    uint Vcpu,
    uint DoorbellLpi,
    ulong VptAddress,
    ushort ProxyEvent,
    uint? ColIdx,
    uint MappedRd,
    bool Mapped,
    bool EverLoaded,
    bool ProxyMapped,
    bool Resident,
    bool PendingLast,
    bool DoorbellArmed,
    int VlpiCount,
    IReadOnlyList<uint> PendingVlpis);

public sealed record VlpiMappingSnapshot(uint HostDeviceId, uint EventId, uint HostIrq, string VmId, ushort VpeId, uint VIntId, bool DbEnabled);

public sealed record HostDeviceBindingSnapshot(uint HostDeviceId, string VmId);

/// <summary>One byte of a VM's vprop table, as the host wrote it.</summary>
public sealed record VpropSnapshot(string VmId, uint VIntId, byte Property);

public sealed record HostInterruptSnapshot(uint Irq, uint HostDeviceId, uint EventId, uint HostLpi, ushort Collection, bool Forwarded);

public sealed record PhysicalRedistributorSnapshot(uint Pcpu, ushort? ResidentVpe, ulong VpendBaser);
