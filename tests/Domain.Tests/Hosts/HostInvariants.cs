using GicService.Domain.Hosts;
using GicService.Domain.Its;
using GicService.Domain.Vcpus;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Hosts;

/// <summary>
/// What must hold between any two inputs, whatever the guest did: the ITS's tables are consistent with
/// each other and with the VM's LPIs, and the translation cache never disagrees with a fresh translation.
/// Each violation fails with a message naming it.
/// </summary>
internal static class HostInvariants
{
    public static void Check(Host host)
    {
        // The host's own consistency checks (ITS and spec/vgic-v4.md §7) must agree.
        Assert.Empty(host.CheckInvariants());

        foreach (var vm in host.Vms)
        {
            Check(vm);
        }

        for (var pcpu = 0; pcpu < host.Pcpus.Count; pcpu++)
        {
            if (host.Pcpus[pcpu] is { } resident)
            {
                var vcpu = host.FindVm(resident.VmId)?.FindVcpu(resident.Vcpu);
                Assert.True(vcpu is { State: VcpuState.Running } && vcpu.Pcpu == (uint)pcpu, $"pCPU {pcpu} holds a vCPU that is not running on it");
            }
        }

        foreach (var vm in host.Vms)
        {
            foreach (var vcpu in vm.Vcpus.Where(v => v.State == VcpuState.Running))
            {
                Assert.True(host.Pcpus[(int)vcpu.Pcpu!.Value] == (vm.Id, vcpu.Id), $"running vCPU {vcpu.Id} is not resident on its pCPU");
            }
        }
    }

    public static void Check(Vm vm)
    {
        var its = vm.Its;
        var vcpuCount = (uint)vm.Vcpus.Count;
        bool IsVcpu(uint? id) => id is null || id < vcpuCount;

        // Registers.
        Assert.True(its.Creadr % 32 == 0 && its.Cwriter % 32 == 0, "queue pointers are 32-byte slots");
        Assert.True(its.Creadr < its.Cbaser.QueueBytes && its.Cwriter < its.Cbaser.QueueBytes, "queue pointers stay inside the queue");
        if (its.Enabled)
        {
            Assert.True(its.Quiescent, "an enabled ITS processes its queue synchronously");
            Assert.True(its.DeviceBaser.Valid && its.CollectionBaser.Valid && its.Cbaser.Valid, "an enabled ITS has valid tables and queue");
        }

        Assert.Equal(GitsBaser.TypeDevice, its.DeviceBaser.Type);
        Assert.Equal(GitsBaser.TypeCollection, its.CollectionBaser.Type);
        Assert.False(its.CollectionBaser.Indirect, "the collection table is never indirect");

        // Collections: keyed by their ICID, targets are vCPUs or unmapped.
        foreach (var (icid, collection) in its.Collections)
        {
            Assert.Equal(icid, collection.Id.Value);
            Assert.True(IsVcpu(collection.Target), $"collection {icid} targets vCPU {collection.Target}, which does not exist");
        }

        // Devices and ITEs: every ITE lives in an existing device, within its EventID range, and its
        // collection (if any) is the ITS's current collection object for that ICID.
        var references = new Dictionary<uint, int>();
        foreach (var (deviceId, device) in its.Devices)
        {
            Assert.Equal(deviceId, device.Id.Value);
            Assert.True(deviceId <= 0xFFFF, $"device {deviceId} exceeds 16 bits");
            Assert.InRange(device.EventIdBits, 1, 16);
            foreach (var (eventId, ite) in device.Ites)
            {
                Assert.Equal(eventId, ite.EventId.Value);
                Assert.True(eventId < (1UL << device.EventIdBits), $"ITE {deviceId}/{eventId} is beyond its device's EventID bits");
                Assert.True(ReferenceEquals(its.FindIte(deviceId, eventId), ite), $"ITE {deviceId}/{eventId} is not found by FindIte");
                if (ite.Collection is { } collection)
                {
                    Assert.True(its.Collections.TryGetValue(collection.Id.Value, out var current) && ReferenceEquals(current, collection),
                        $"ITE {deviceId}/{eventId} points at collection {collection.Id}, which the ITS no longer holds");
                }

                var lpi = vm.Lpis.Find(ite.Lpi.IntId.Value);
                Assert.True(ReferenceEquals(lpi, ite.Lpi), $"ITE {deviceId}/{eventId} maps LPI {ite.Lpi.IntId}, which is not the VM's LPI object");
                references[ite.Lpi.IntId.Value] = references.GetValueOrDefault(ite.Lpi.IntId.Value) + 1;
            }
        }

        // LPIs: each is referenced by exactly as many ITEs as it counts, and none lives without one.
        foreach (var lpi in vm.Lpis.Lpis)
        {
            Assert.True(lpi.IntId.IsLpi, $"INTID {lpi.IntId} is not an LPI");
            Assert.True(references.GetValueOrDefault(lpi.IntId.Value) == lpi.References,
                $"LPI {lpi.IntId} counts {lpi.References} references but {references.GetValueOrDefault(lpi.IntId.Value)} ITEs map it");
            Assert.True(IsVcpu(lpi.TargetVcpu), $"LPI {lpi.IntId} targets vCPU {lpi.TargetVcpu}, which does not exist");
            // Like KVM's ap_list, the queue may keep an LPI that INV disabled or CLEAR... until it is pruned; it never
            // holds one without a target.
            Assert.True(!lpi.Queued || lpi.TargetVcpu is not null, $"LPI {lpi.IntId} is queued without a target");
        }

        Assert.Equal(references.Count, vm.Lpis.Count);

        // The translation cache agrees with a fresh translation of every entry.
        Assert.True(its.Cache.Count == 0 || its.Enabled, "a disabled ITS has an empty translation cache");
        foreach (var (deviceId, eventId, cached) in its.Cache.Entries)
        {
            var ite = its.FindIte(deviceId, eventId);
            Assert.True(ite is not null, $"the cache translates {deviceId}/{eventId}, which has no ITE");
            Assert.True(ReferenceEquals(ite!.Lpi, cached), $"the cache translates {deviceId}/{eventId} to a stale LPI object");
            Assert.True(ite.Collection is { IsMapped: true }, $"the cache translates {deviceId}/{eventId}, whose collection is unmapped");
            Assert.Equal(cached.IntId, its.Translate(deviceId, eventId)!.IntId);
        }

        // Ready VMs only ever hold vCPU ids as RDbase; redistributor state is per vCPU.
        Assert.Equal(vm.Vcpus.Count, vm.Redistributors.Count);
        Assert.True(vm.Setup is VmSetup.Ready or VmSetup.Bare);
    }
}
