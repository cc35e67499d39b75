using GicService.Domain.Snapshots;
using GicService.Domain.Vfio;
using GicService.Domain.Vms;

namespace GicService.Domain.Hosts;

// Export and rebuild of the whole host state (docs/snapshots.md). Both sides copy: a snapshot shares no
// mutable object with the host it came from or the hosts built from it.
public sealed partial class Host
{
    /// <summary>The host's whole state now, between two inputs.</summary>
    public HostSnapshot TakeSnapshot()
    {
        var residency = new List<PcpuResidencySnapshot>();
        for (var p = 0; p < _pcpus.Length; p++)
        {
            if (_pcpus[p] is { } resident)
            {
                residency.Add(new PcpuResidencySnapshot((uint)p, resident.VmId, resident.Vcpu));
            }
        }

        return new HostSnapshot(
            HostSnapshot.CurrentVersion,
            Configuration,
            LastSeq,
            _nextVmNumber,
            _nextDeviceNumber,
            residency,
            _vms.Select(vm => vm.TakeSnapshot()).ToList(),
            _hostIts.TakeSnapshot(),
            _devices.Select(d => d.TakeSnapshot()).ToList(),
            _bridge.TakeRemapHints());
    }

    /// <summary>
    /// Rebuilds a host from <paramref name="snapshot"/>; it publishes no event and its next event follows
    /// <see cref="HostSnapshot.LastSeq"/>. A snapshot of another format version, or one that contradicts
    /// itself (a reference to a VM, LPI, collection or host IRQ it does not hold), is refused with an exception.
    /// </summary>
    public static Host FromSnapshot(HostSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Version != HostSnapshot.CurrentVersion)
        {
            throw new NotSupportedException($"Snapshot format version {snapshot.Version} is not supported (this build reads version {HostSnapshot.CurrentVersion}).");
        }

        var problems = snapshot.Configuration.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems.Select(p => $"{p.Field} {p.Problem}")), nameof(snapshot));
        }

        var host = new Host(snapshot.Configuration)
        {
            LastSeq = snapshot.LastSeq,
            _nextVmNumber = snapshot.NextVmNumber,
            _nextDeviceNumber = snapshot.NextDeviceNumber,
        };

        foreach (var vmSnapshot in snapshot.Vms)
        {
            var vm = Vm.FromSnapshot(vmSnapshot, host._events);
            host._vms.Add(vm);
            host._bridge.ReattachVm(vm);
        }

        foreach (var resident in snapshot.Residency)
        {
            if (resident.Pcpu >= host._pcpus.Length || host.FindVm(resident.VmId)?.FindVcpu(resident.Vcpu) is null)
            {
                throw new ArgumentException($"Snapshot residency of pCPU {resident.Pcpu} names a missing pCPU or vCPU.", nameof(snapshot));
            }

            host._pcpus[resident.Pcpu] = (resident.VmId, resident.Vcpu);
        }

        host._hostIts.Restore(snapshot.HostIts);
        foreach (var device in snapshot.VfioDevices)
        {
            var vectors = device.Vectors.Select(v => MsixVector.FromSnapshot(v,
                    host._hostIts.HostIrqs.GetValueOrDefault(v.HostIrq)
                    ?? throw new ArgumentException($"Snapshot vector {device.Id}/{v.Index} names host IRQ {v.HostIrq}, which it does not hold.", nameof(snapshot))))
                .ToList();
            if (host.FindVfioDevice(device.Id) is not null)
            {
                throw new ArgumentException($"Snapshot holds VFIO device '{device.Id}' twice.", nameof(snapshot));
            }

            host.AddDevice(new VfioDevice(device.Id, device.Bdf, device.HostDeviceId, device.VmId, device.GuestDeviceId, vectors));
        }

        host._bridge.RestoreRemapHints(snapshot.RemapHints);
        return host;
    }
}
