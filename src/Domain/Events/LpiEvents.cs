using GicService.Domain.Its;

namespace GicService.Domain.Events;

/// <summary>
/// An LPI's pending latch was set. <paramref name="Vcpu"/> is its target (null when it has none);
/// <paramref name="Coalesced"/> is true when it was already pending, so the two become one interrupt.
/// </summary>
public sealed record LpiPending(
    string VmId,
    uint? Vcpu,
    uint IntId,
    uint? DeviceId,
    uint? EventId,
    InterruptSource Source,
    bool Coalesced,
    string Reason) : FabricEvent;

/// <summary>An MSI (software, INT or device) that became nothing, with why.</summary>
public sealed record MsiDropped(string VmId, uint DeviceId, uint EventId, string Reason, ItsError? ItsError, Errno? Errno) : FabricEvent;

/// <summary>The running guest took its highest-priority pending interrupt (IAR, then EOI).</summary>
public sealed record InterruptAcknowledged(string VmId, uint Vcpu, uint? Pcpu, uint IntId, InterruptSource Source, byte Priority) : FabricEvent;

/// <summary>A pending interrupt removed without being taken: an unmap freed its LPI (KVM's one loss point), or the guest cleared it.</summary>
public sealed record PendingDropped(string VmId, uint? Vcpu, uint IntId, InterruptSource Source, string Reason) : FabricEvent;
