using GicService.Domain.Bridge;
using GicService.Domain.Vfio;

namespace GicService.Domain.Inputs;

/// <summary>Assign a VFIO PCI function with <paramref name="Vectors"/> MSI-X vectors to a VM; a null id gets "dev{n}".</summary>
public sealed record AssignVfioDevice(string? Id, string Bdf, int Vectors, string VmId, uint GuestDeviceId) : HostInput<string>;

/// <summary>The guest programs an MSI-X vector and the VMM re-arms it through VFIO (disconnect, then reconnect unless masked).</summary>
public sealed record ProgramMsixVector(string DeviceId, int Vector, ulong Address, uint Data, bool Masked) : HostInput<Done>;

/// <summary>The device raises an MSI-X vector.</summary>
public sealed record TriggerMsixVector(string DeviceId, int Vector) : HostInput<TriggerOutcome>;

/// <summary>The irq-bypass callback kvm_vgic_v4_set_forwarding for a host IRQ and a routing entry.</summary>
public sealed record SetForwarding(string VmId, uint HostIrq, MsiRoute Route) : HostInput<ForwardingOutcome>;

/// <summary>kvm_vgic_v4_unset_forwarding for a host IRQ.</summary>
public sealed record UnsetForwarding(string VmId, uint HostIrq) : HostInput<Done>;
