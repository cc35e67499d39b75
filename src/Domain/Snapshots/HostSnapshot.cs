using GicService.Domain.Hosts;

namespace GicService.Domain.Snapshots;

/// <summary>
/// A host's whole state between two inputs, as plain immutable data: <c>Host.FromSnapshot(host.TakeSnapshot())</c>
/// answers every later input exactly as <c>host</c> does (same results, same events, same seq). The format
/// is versioned (<see cref="CurrentVersion"/>) and documented in docs/snapshots.md; lists are in a fixed
/// order (ids ascending, or the host's own order where that order is state, as for VMs and VFIO devices).
/// </summary>
public sealed record HostSnapshot(
    int Version,
    HostConfiguration Configuration,
    long LastSeq,
    int NextVmNumber,
    int NextDeviceNumber,
    IReadOnlyList<PcpuResidencySnapshot> Residency,
    IReadOnlyList<VmSnapshot> Vms,
    HostItsSnapshot HostIts,
    IReadOnlyList<VfioDeviceSnapshot> VfioDevices,
    IReadOnlyList<RemapHintSnapshot> RemapHints)
{
    /// <summary>The format this domain writes and reads; a change to any record here is a new version.</summary>
    public const int CurrentVersion = 1;
}

/// <summary>A busy pCPU and the vCPU resident on it (free pCPUs are not listed).</summary>
public sealed record PcpuResidencySnapshot(uint Pcpu, string VmId, uint Vcpu);

/// <summary>A translation the guest unmapped while a VFIO vector's route pointed at it (the remapHint option).</summary>
public sealed record RemapHintSnapshot(string VmId, uint DeviceId, uint EventId, uint HostIrq);
