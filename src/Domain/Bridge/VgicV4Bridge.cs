using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.HostIts;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Snapshots;
using GicService.Domain.Vfio;
using GicService.Domain.Vms;

namespace GicService.Domain.Bridge;

/// <summary>
/// KVM's vgic-v4 layer (arch/arm64/kvm/vgic/vgic-v4.c, "current" in spec/vgic-v4.md): it links a VM's
/// virtual ITS to the host GICv4 ITS. It maps and unmaps VLPIs (set/unset forwarding, §2), follows the
/// guest's ITS commands on forwarded LPIs (§3), makes vPEs resident as vCPUs are scheduled (§4) and
/// handles doorbells (§5).
/// </summary>
public sealed partial class VgicV4Bridge
{
    private readonly HostGicV4 _its;
    private readonly HostConfiguration _configuration;
    private readonly EventBuffer _events;
    private readonly Func<string, Vm?> _findVm;
    private readonly Func<uint, MsixVector?> _vectorOf;
    private readonly Dictionary<(string VmId, uint DeviceId, uint EventId), uint> _remapHints = new();

    internal VgicV4Bridge(HostGicV4 its, HostConfiguration configuration, EventBuffer events, Func<string, Vm?> findVm, Func<uint, MsixVector?> vectorOf)
    {
        _its = its;
        _configuration = configuration;
        _events = events;
        _findVm = findVm;
        _vectorOf = vectorOf;
    }

    private bool IsV41 => _its.IsV41;

    // ---------------------------------------------------------------- VM lifecycle

    /// <summary>
    /// vgic_v4_init: one vPE per vCPU, VMAPP'd eagerly (single-command VMOVP or v4.1) to the first online
    /// CPU's redistributor, each followed by VINVALL (spec/vgic-v4.md §1.1, §8).
    /// </summary>
    internal void AttachVm(Vm vm)
    {
        foreach (var vcpu in vm.Vcpus)
        {
            var vpe = _its.CreateVpe(vm.Id, vcpu.Id);
            vpe.MappedRd = 0;
            vpe.ColIdx = 0;
            vpe.Mapped = true;
            _its.SendVirtual(vm.Id, new Vmapp(vpe.Id, 0, true, vpe.VptAddress, (byte)(_its.IdBits - 1), IsV41, false,
                IsV41 ? HostGicV4.VpropBase : 0, IsV41 ? vpe.DoorbellLpi : 0), vpe.Id);
            _its.SendVirtual(vm.Id, new Vinvall(vpe.Id), vpe.Id);
        }

        vm.Lpis.Hooks = new Hooks(this, vm);
    }

    /// <summary>VM teardown: every VLPI unmapped, every vPE unmapped (VMAPP V=0 with RDbase and VPT 0).</summary>
    internal void DetachVm(Vm vm)
    {
        foreach (var lpi in vm.Lpis.Lpis.Where(l => l.IsForwarded).ToList())
        {
            Unmap(vm, lpi, "VM deleted", decrementCount: true);
        }

        foreach (var vpe in _its.Vpes.Where(v => v.VmId == vm.Id).ToList())
        {
            if (vpe.ProxyMapped)
            {
                _its.SendPhysical(vm.Id, new Discard(new DeviceId(HostGicV4.ProxyDeviceId), new EventId(vpe.ProxyEvent)), vpe.ColIdx ?? 0);
            }

            _its.SendVirtual(vm.Id, new Vmapp(vpe.Id, 0, false, 0, 0, false, false, 0, 0), vpe.Id);
            _its.RemoveVpe(vpe);
        }

        _its.RemoveVm(vm.Id);
        _remapHints.Keys.Where(k => k.VmId == vm.Id).ToList().ForEach(k => _remapHints.Remove(k));
    }

    // ---------------------------------------------------------------- set / unset forwarding (§2)

    /// <summary>kvm_vgic_v4_set_forwarding, current (spec/vgic-v4.md §2.2); every failure falls back to software silently.</summary>
    internal ForwardingOutcome SetForwarding(Vm vm, HostInterrupt irq, MsiRoute route)
    {
        if (!vm.Its.ContainsDoorbell(route.Address))
        {
            return Record(vm, irq, route, ForwardingOutcome.Software("the route's doorbell is not this VM's ITS"));
        }

        var resolved = vm.Its.Resolve(route.DeviceId, route.Data);
        if (resolved.Lpi is not { } lpi)
        {
            return Record(vm, irq, route, ForwardingOutcome.Software($"no translation yet: {resolved.Reason}"));
        }

        if (lpi.IsForwarded)
        {
            return Record(vm, irq, route, ForwardingOutcome.Software($"LPI {lpi.IntId} is already forwarded by host IRQ {lpi.HostIrq}"));
        }

        if (lpi.TargetVcpu is not { } target || _its.FindVpe(vm.Id, target) is not { } vpe)
        {
            return Record(vm, irq, route, ForwardingOutcome.Software($"LPI {lpi.IntId} has no target vCPU"));
        }

        if (_its.BoundVm(irq.HostDeviceId) is { } other && other != vm.Id)
        {
            return Record(vm, irq, route, ForwardingOutcome.Software($"host device {irq.HostDeviceId} is bound to VM '{other}' (-EINVAL)"));
        }

        // Host map (its_vlpi_map): bind, vprop byte, DISCARD the physical event, VMAPTI.
        _its.Bind(irq.HostDeviceId, vm.Id);
        var map = new VlpiMapping(irq.HostDeviceId, irq.EventId, irq.Irq, vm.Id, vpe.Id, lpi.IntId.Value);
        _its.AddVlpi(map);
        _its.WriteVprop(vm.Id, lpi.IntId.Value, (byte)(lpi.Priority | (lpi.Enabled ? 1 : 0)));
        _its.SendPhysical(vm.Id, new Discard(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId)), irq.Collection);
        _its.SendVirtual(vm.Id, new Vmapti(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId), vpe.Id, lpi.IntId, Doorbell(vpe, map)), vpe.Id);
        irq.Forwarded = true;

        lpi.HostIrq = irq.Irq;
        vpe.VlpiCount++;
        var outcome = Record(vm, irq, route, new ForwardingOutcome("vlpi", null, lpi.IntId.Value, target, vpe.Id));

        // Pending transfer (~2021): a latched software LPI becomes a pending VLPI, exactly once.
        if (lpi.Pending)
        {
            lpi.Pending = false;
            lpi.Queued = false;
            _its.SendVirtual(vm.Id, new Int(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId)), vpe.Id);
            MakeVlpiPending(map, "pending transfer at map");
        }

        return outcome;
    }

    private ForwardingOutcome Record(Vm vm, HostInterrupt irq, MsiRoute route, ForwardingOutcome outcome)
    {
        _events.Add(new ForwardingSet(vm.Id, irq.Irq, route.DeviceId, route.Data, outcome.IntId, outcome.Vcpu, outcome.VpeId, outcome.Mode, outcome.Reason));
        return outcome;
    }

    /// <summary>kvm_vgic_v4_unset_forwarding, current: find the LPI by host IRQ; if it is hw, unmap it. False when nothing was forwarded.</summary>
    internal bool UnsetForwarding(Vm vm, uint hostIrq, string reason)
    {
        var lpi = vm.Lpis.Lpis.FirstOrDefault(l => l.HostIrq == hostIrq);
        if (lpi is null)
        {
            return false;
        }

        Unmap(vm, lpi, reason, decrementCount: true);
        return true;
    }

    /// <summary>
    /// The host unmap (its_vlpi_unmap): DISCARD + SYNC, MAPTI back to the host LPI, its config rewritten
    /// and invalidated; a VLPI still pending is dropped by the DISCARD (KVM's one loss point) unless
    /// preservePendingOnUnmap turns it into a software pending LPI.
    /// </summary>
    private void Unmap(Vm vm, Lpi lpi, string reason, bool decrementCount)
    {
        var irq = _its.HostIrqs[lpi.HostIrq!.Value];
        var map = _its.FindVlpi(irq.HostDeviceId, irq.EventId)!;
        var vpe = _its.FindVpe(map.VpeId)!;
        var wasPending = vpe.ClearPending(map.VIntId);

        _its.SendPhysical(vm.Id, new Discard(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId)), irq.Collection);
        _its.SendPhysical(vm.Id, HostGicV4.HostMapti(irq), irq.Collection);
        InvalidateHostLpi(vm.Id, irq.HostLpi, irq.Collection, irq.HostDeviceId, irq.EventId);
        irq.Forwarded = false;
        _its.RemoveVlpi(map);
        _its.UnbindIfUnused(irq.HostDeviceId);
        if (decrementCount)
        {
            vpe.VlpiCount--; // its_free_ite() never decrements: KVM's count stays high after DISCARD/MAPD (§7.5)
        }

        lpi.HostIrq = null;
        _events.Add(new ForwardingUnset(vm.Id, irq.Irq, lpi.IntId.Value, reason));
        if (wasPending)
        {
            if (_configuration.PreservePendingOnUnmap)
            {
                vm.Lpis.MakePending(lpi, null, null, "VLPI pending at unmap (preservePendingOnUnmap)");
            }
            else
            {
                _events.Add(new PendingDropped(vm.Id, vpe.Vcpu, map.VIntId, InterruptSource.Vlpi, $"dropped by unmap: {reason}"));
            }
        }
    }

    /// <summary>A host LPI's config rewritten (default priority, enabled) and invalidated: GICR_INVLPIR with DirectLPI, else INV + SYNC.</summary>
    private void InvalidateHostLpi(string? vmId, uint hostLpi, uint pcpu, uint deviceId, uint eventId)
    {
        if (_its.DirectLpi)
        {
            _its.RedistributorOp("INVLPIR", pcpu, null, hostLpi, null, vmId);
        }
        else
        {
            _its.SendPhysical(vmId, new Inv(new DeviceId(deviceId), new EventId(eventId)), pcpu);
        }
    }

    private uint Doorbell(Vpe vpe, VlpiMapping map) => !IsV41 && map.DbEnabled ? vpe.DoorbellLpi : HostGicV4.NoDoorbell;

    /// <summary>A VM rebuilt from a snapshot: its vPEs already exist in the host ITS, only the guest-command hooks are attached.</summary>
    internal void ReattachVm(Vm vm) => vm.Lpis.Hooks = new Hooks(this, vm);

    internal IReadOnlyList<RemapHintSnapshot> TakeRemapHints() => _remapHints
        .OrderBy(h => h.Key.VmId, StringComparer.Ordinal).ThenBy(h => h.Key.DeviceId).ThenBy(h => h.Key.EventId)
        .Select(h => new RemapHintSnapshot(h.Key.VmId, h.Key.DeviceId, h.Key.EventId, h.Value))
        .ToList();

    internal void RestoreRemapHints(IEnumerable<RemapHintSnapshot> hints)
    {
        foreach (var hint in hints)
        {
            _remapHints.Add((hint.VmId, hint.DeviceId, hint.EventId), hint.HostIrq);
        }
    }

    internal void ForgetHints(uint hostIrq) =>
        _remapHints.Where(h => h.Value == hostIrq).Select(h => h.Key).ToList().ForEach(k => _remapHints.Remove(k));
}
