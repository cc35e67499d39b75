using GicService.Domain.Its.Commands;

namespace GicService.Domain.Events;

/// <summary>A command the bridge issued to the host's GICv4 ITS, with its 32-byte encoding (64 hex digits, DW0 first).</summary>
public sealed record HostItsCommand(string? VmId, ItsCommand Command, string Raw) : FabricEvent;

/// <summary>A write to a physical redistributor that never reaches the ITS: INVLPIR, INVALLR, CLRLPIR, VPROPBASER (v4.0), VPENDBASER.</summary>
public sealed record HostRedistributorOp(string Op, uint Pcpu, ushort? VpeId, uint? IntId, ulong? Value, string? VmId) : FabricEvent;

/// <summary>A VLPI was presented to a resident vPE's vCPU interface without a hypervisor exit.</summary>
public sealed record VlpiDelivered(string VmId, uint Vcpu, uint Pcpu, ushort VpeId, uint IntId, uint? HostIrq) : FabricEvent;

/// <summary>A VLPI became pending in a non-resident vPE's virtual pending table.</summary>
public sealed record VlpiPending(string VmId, uint Vcpu, ushort VpeId, uint IntId, uint? HostIrq, bool Coalesced) : FabricEvent;

/// <summary>A vPE's doorbell fired: pending_last is set and the vCPU is kicked.</summary>
public sealed record DoorbellFired(string VmId, uint Vcpu, ushort VpeId, uint? Pcpu, uint? IntId) : FabricEvent;

/// <summary>kvm_vgic_v4_set_forwarding ran: <paramref name="Mode"/> is "vlpi" when it mapped a VLPI, else "software" with the reason.</summary>
public sealed record ForwardingSet(
    string VmId, uint HostIrq, uint DeviceId, uint EventId, uint? IntId, uint? Vcpu, ushort? VpeId, string Mode, string? Reason) : FabricEvent;

/// <summary>kvm_vgic_v4_unset_forwarding (or an implicit unmap by a guest command) removed a VLPI mapping.</summary>
public sealed record ForwardingUnset(string VmId, uint HostIrq, uint? IntId, string Reason) : FabricEvent;

/// <summary>A VFIO PCI function was assigned to a VM.</summary>
public sealed record VfioDeviceAssigned(string VmId, string DeviceId, string Bdf, uint HostDeviceId, int Vectors) : FabricEvent;

/// <summary>The guest programmed an MSI-X vector; the VMM re-armed it (routing entry changed).</summary>
public sealed record MsixVectorProgrammed(string VmId, string DeviceId, int Vector, uint HostIrq, ulong Address, uint Data, bool Masked) : FabricEvent;

/// <summary>A VFIO device raised an MSI-X vector.</summary>
public sealed record MsixVectorTriggered(string? VmId, string DeviceId, int Vector, uint HostIrq, string Path) : FabricEvent;
