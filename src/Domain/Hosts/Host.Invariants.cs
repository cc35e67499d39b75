using System.Diagnostics;
using GicService.Domain.Vcpus;

namespace GicService.Domain.Hosts;

// The invariants of spec/its.md (ITS state) and spec/vgic-v4.md §7 (mapping, pending state, residency).
// Debug builds check them after every input; tests and property tests call CheckInvariants directly.
public sealed partial class Host
{
    /// <summary>Every invariant that does not hold now, described; empty when the fabric is consistent.</summary>
    public IReadOnlyList<string> CheckInvariants()
    {
        var violations = new List<string>();
        void Check(bool condition, string violation)
        {
            if (!condition)
            {
                violations.Add(violation);
            }
        }

        foreach (var vm in _vms)
        {
            var its = vm.Its;
            var references = new Dictionary<uint, int>();
            foreach (var device in its.Devices.Values)
            {
                foreach (var ite in device.Ites.Values)
                {
                    var intId = ite.Lpi.IntId.Value;
                    references[intId] = references.GetValueOrDefault(intId) + 1;
                    Check(vm.Lpis.Find(intId) == ite.Lpi, $"{vm.Id}: ITE {device.Id}/{ite.EventId} holds an LPI {intId} the VM does not know");
                    Check(ite.Collection is null || its.Collections.TryGetValue(ite.Collection.Id.Value, out var c) && c == ite.Collection,
                        $"{vm.Id}: ITE {device.Id}/{ite.EventId} points at a collection the ITS no longer has");
                }
            }

            foreach (var collection in its.Collections.Values)
            {
                Check(collection.Target is null || vm.FindRedistributor(collection.Target.Value) is not null,
                    $"{vm.Id}: collection {collection.Id} targets vCPU {collection.Target}, which does not exist");
            }

            foreach (var lpi in vm.Lpis.Lpis)
            {
                Check(references.GetValueOrDefault(lpi.IntId.Value) == lpi.References,
                    $"{vm.Id}: LPI {lpi.IntId} counts {lpi.References} references but {references.GetValueOrDefault(lpi.IntId.Value)} ITEs map it");
                Check(lpi.TargetVcpu is null || vm.FindVcpu(lpi.TargetVcpu.Value) is not null, $"{vm.Id}: LPI {lpi.IntId} targets a missing vCPU");
                if (lpi.IsForwarded)
                {
                    Check(!lpi.Pending && !lpi.Queued, $"{vm.Id}: forwarded LPI {lpi.IntId} is also pending in software (§7.9)");
                    var irq = _hostIts.HostIrqs.GetValueOrDefault(lpi.HostIrq!.Value);
                    var map = irq is null ? null : _hostIts.FindVlpi(irq.HostDeviceId, irq.EventId);
                    Check(irq is { Forwarded: true } && map is not null && map.VIntId == lpi.IntId.Value && map.VmId == vm.Id,
                        $"{vm.Id}: forwarded LPI {lpi.IntId} has no matching VLPI mapping (§7.2)");
                    if (map is not null && lpi.TargetVcpu is { } target)
                    {
                        Check(_hostIts.FindVpe(map.VpeId) is { } vpe && vpe.VmId == vm.Id && vpe.Vcpu == target,
                            $"{vm.Id}: VLPI {lpi.IntId} is on a vPE other than its target vCPU's (§7.4)");
                    }
                }
            }

            foreach (var (deviceId, eventId, cached) in its.Cache.Entries)
            {
                Check(its.FindIte(deviceId, eventId)?.Lpi == cached, $"{vm.Id}: cache entry {deviceId}/{eventId} disagrees with a fresh translation");
            }

            foreach (var vcpu in vm.Vcpus)
            {
                var vpe = _hostIts.FindVpe(vm.Id, vcpu.Id);
                Check(vpe is not null && vpe.Resident == (vcpu.State == VcpuState.Running), $"{vm.Id}: vCPU {vcpu.Id} runs without its vPE resident (or the reverse)");
                if (vcpu.State == VcpuState.Running)
                {
                    Check(_pcpus[vcpu.Pcpu!.Value] == (vm.Id, vcpu.Id), $"{vm.Id}: vCPU {vcpu.Id} runs on pCPU {vcpu.Pcpu}, which does not record it");
                }
            }
        }

        foreach (var irq in _hostIts.HostIrqs.Values)
        {
            var map = _hostIts.FindVlpi(irq.HostDeviceId, irq.EventId);
            Check(irq.Forwarded == (map is not null), $"host IRQ {irq.Irq}: forwarded flag and VMAPTI disagree (§7.1)");
            if (map is not null)
            {
                var owners = FindVm(map.VmId)?.Lpis.Lpis.Count(l => l.HostIrq == irq.Irq) ?? 0;
                Check(owners == 1, $"host IRQ {irq.Irq} forwards {owners} guest LPIs (§7.2)");
                Check(_hostIts.BoundVm(irq.HostDeviceId) == map.VmId, $"host device {irq.HostDeviceId} is not bound to the VM its VLPI serves (§7.3)");
            }
        }

        Check(_devicesById.Count == _devices.Count && _devices.TrueForAll(d => _devicesById.GetValueOrDefault(d.Id) == d),
            "the VFIO devices by id disagree with the list of devices");

        foreach (var rd in _hostIts.Redistributors)
        {
            if (rd.ResidentVpe is { } id)
            {
                Check(_hostIts.FindVpe(id) is { Resident: true } vpe && vpe.ColIdx == rd.Pcpu, $"pCPU {rd.Pcpu}: resident vPE {id} is not routed here (§7.15)");
            }
        }

        foreach (var vpe in _hostIts.Vpes)
        {
            Check(!vpe.Resident || _hostIts.Redistributors[(int)vpe.ColIdx!.Value].ResidentVpe == vpe.Id, $"vPE {vpe.Id} is resident nowhere it is routed (§7.15)");
            Check(!(vpe.Resident && vpe.DoorbellArmed), $"vPE {vpe.Id} is resident with its doorbell armed (§7.18)");
        }

        return violations;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants(string input)
    {
        var violations = CheckInvariants();
        if (violations.Count > 0)
        {
            throw new InvalidOperationException($"After {input}: {string.Join("; ", violations)}");
        }
    }
}
