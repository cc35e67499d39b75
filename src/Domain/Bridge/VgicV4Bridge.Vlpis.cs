using GicService.Domain.Events;
using GicService.Domain.HostIts;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Metrics;
using GicService.Domain.Vms;

namespace GicService.Domain.Bridge;

// VLPIs becoming pending, being delivered or taken, and doorbells (spec/vgic-v4.md §4.5, §5).
public sealed partial class VgicV4Bridge
{
    /// <summary>
    /// A VLPI becomes pending on its vPE: presented at once if the vPE is resident, else set in its VPT
    /// with a doorbell when one is armed (v4.0: the VLPI's doorbell and the unmasked doorbell irq; v4.1:
    /// the vPE was descheduled with DB=1).
    /// </summary>
    internal (bool Delivered, bool Doorbell) MakeVlpiPending(VlpiMapping map, string reason) => MakeVlpiPending(map, _its.FindVpe(map.VpeId)!, reason);

    /// <summary>The same, for a caller that has just looked up the mapping's vPE.</summary>
    private (bool Delivered, bool Doorbell) MakeVlpiPending(VlpiMapping map, Vpe vpe, string reason)
    {
        var coalesced = !vpe.SetPending(map.VIntId);
        var enabled = _its.IsVlpiEnabled(map.VmId, map.VIntId);
        if (vpe.Resident)
        {
            if (enabled)
            {
                _events.Add(new VlpiDelivered(map.VmId, vpe.Vcpu, vpe.ColIdx!.Value, vpe.Id, map.VIntId, map.HostIrq));
                DomainMetrics.VlpiDelivered(DomainMetrics.VlpiDelivery.Resident);
            }
            else
            {
                _events.Add(new VlpiPending(map.VmId, vpe.Vcpu, vpe.Id, map.VIntId, map.HostIrq, coalesced));
            }

            return (enabled, false);
        }

        _events.Add(new VlpiPending(map.VmId, vpe.Vcpu, vpe.Id, map.VIntId, map.HostIrq, coalesced));
        var rings = enabled && vpe.DoorbellArmed && (IsV41 || map.DbEnabled);
        if (rings)
        {
            RingDoorbell(vpe, map.VIntId);
        }

        return (false, rings);
    }

    /// <summary>The doorbell handler (vgic_v4_doorbell_handler): v4.0 masks itself (one shot); pending_last := true; the vCPU is kicked.</summary>
    private void RingDoorbell(Vpe vpe, uint vintid)
    {
        if (!IsV41)
        {
            SetDoorbellMasked(vpe, masked: true);
        }

        vpe.DoorbellArmed = false;
        vpe.PendingLast = true;
        _events.Add(new DoorbellFired(vpe.VmId, vpe.Vcpu, vpe.Id, vpe.ColIdx, vintid));
        DomainMetrics.DoorbellFired(IsV41);
    }

    /// <summary>v4.0: arm or disarm the doorbell irq: its host property byte, then INV of the proxy event (or GICR_INVLPIR with DirectLPI).</summary>
    private void SetDoorbellMasked(Vpe vpe, bool masked)
    {
        vpe.DoorbellArmed = !masked;
        var pcpu = vpe.ColIdx ?? 0;
        if (_its.DirectLpi)
        {
            _its.RedistributorOp("INVLPIR", pcpu, null, vpe.DoorbellLpi, null, vpe.VmId);
            return;
        }

        EnsureProxyMapped(vpe, pcpu);
        _its.SendPhysical(vpe.VmId, new Inv(new DeviceId(HostGicV4.ProxyDeviceId), new EventId(vpe.ProxyEvent)), pcpu);
    }

    /// <summary>The v4.0 proxy device carries a vPE's doorbell as one event, MAPTI'd when first needed.</summary>
    private void EnsureProxyMapped(Vpe vpe, uint pcpu)
    {
        if (vpe.ProxyMapped)
        {
            return;
        }

        vpe.ProxyMapped = true;
        _its.SendPhysical(vpe.VmId, new Mapti(new DeviceId(HostGicV4.ProxyDeviceId), new EventId(vpe.ProxyEvent), new IntId(vpe.DoorbellLpi),
            new CollectionId((ushort)pcpu)), pcpu);
    }

    /// <summary>The VLPIs pending on a vCPU's vPE, as (vINTID, priority, enabled) from the vprop table.</summary>
    public IEnumerable<(uint IntId, byte Priority, bool Enabled)> PendingVlpis(Vm vm, uint vcpu) =>
        _its.FindVpe(vm.Id, vcpu) is { } vpe
            ? vpe.PendingVlpis.Select(v => (v, _its.VlpiPriority(vm.Id, v), _its.IsVlpiEnabled(vm.Id, v)))
            : [];

    /// <summary>The highest-priority enabled VLPI the resident vPE presents, if any.</summary>
    internal (uint IntId, byte Priority)? HighestPendingVlpi(Vm vm, uint vcpu)
    {
        if (_its.FindVpe(vm.Id, vcpu) is not { Resident: true })
        {
            return null;
        }

        (uint IntId, byte Priority)? best = null;
        foreach (var (intId, priority, enabled) in PendingVlpis(vm, vcpu))
        {
            if (enabled && (best is null || priority < best.Value.Priority))
            {
                best = (intId, priority);
            }
        }

        return best;
    }

    /// <summary>The guest took a VLPI from its vCPU interface: it leaves the vPE's pending state.</summary>
    internal void AcknowledgeVlpi(Vm vm, uint vcpu, uint vintid) => _its.FindVpe(vm.Id, vcpu)?.ClearPending(vintid);

    // ---------------------------------------------------------------- guest-command hooks (§3)

    private sealed class Hooks(VgicV4Bridge bridge, Vm vm) : IVlpiHooks
    {
        private HostGicV4 Its => bridge._its;

        private (HostInterrupt Irq, VlpiMapping Map, Vpe Vpe) Resolve(Lpi lpi)
        {
            var irq = Its.HostIrqs[lpi.HostIrq!.Value];
            var map = Its.FindVlpi(irq.HostDeviceId, irq.EventId)!;
            return (irq, map, Its.FindVpe(map.VpeId)!);
        }

        public void Inject(Lpi lpi, uint? deviceId, uint? eventId, string reason)
        {
            var (irq, map, vpe) = Resolve(lpi);
            Its.SendVirtual(vm.Id, new Int(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId)), vpe.Id);
            bridge.MakeVlpiPending(map, reason);
        }

        public void Clear(Lpi lpi)
        {
            var (irq, map, vpe) = Resolve(lpi);
            Its.SendVirtual(vm.Id, new Clear(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId)), vpe.Id);
            if (vpe.ClearPending(map.VIntId))
            {
                bridge._events.Add(new PendingDropped(vm.Id, vpe.Vcpu, map.VIntId, InterruptSource.Vlpi, "CLEAR"));
            }
        }

        public void PropertyUpdated(Lpi lpi, byte property, bool invalidate)
        {
            var (irq, map, vpe) = Resolve(lpi);
            var wasEnabled = Its.IsVlpiEnabled(vm.Id, map.VIntId);
            Its.WriteVprop(vm.Id, map.VIntId, (byte)(property & 0xFD));
            var enabled = (property & 1) != 0;
            if (invalidate)
            {
                if (bridge.IsV41)
                {
                    Its.RedistributorOp("INVLPIR", vpe.ColIdx ?? 0, vpe.Id, map.VIntId, null, vm.Id);
                }
                else
                {
                    Its.SendVirtual(vm.Id, new Inv(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId)), vpe.Id);
                }
            }

            if (!bridge.IsV41 && enabled != wasEnabled)
            {
                // its_vlpi_set_doorbell: the per-VLPI doorbell follows the enable bit, by a VMOVI to the same vPE.
                map.DbEnabled = enabled;
                Its.SendVirtual(vm.Id, new Vmovi(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId), vpe.Id, true, bridge.Doorbell(vpe, map)), vpe.Id);
            }

            if (enabled && !wasEnabled && vpe.PendingVlpis.Contains(map.VIntId))
            {
                if (vpe.Resident)
                {
                    bridge._events.Add(new VlpiDelivered(vm.Id, vpe.Vcpu, vpe.ColIdx!.Value, vpe.Id, map.VIntId, map.HostIrq));
                    DomainMetrics.VlpiDelivered(DomainMetrics.VlpiDelivery.Enable);
                }
                else if (vpe.DoorbellArmed)
                {
                    bridge.RingDoorbell(vpe, map.VIntId);
                }
            }
        }

        public void InvalidateAll(uint vcpu)
        {
            if (Its.FindVpe(vm.Id, vcpu) is not { } vpe)
            {
                return;
            }

            if (bridge.IsV41)
            {
                Its.RedistributorOp("INVALLR", vpe.ColIdx ?? 0, vpe.Id, null, null, vm.Id);
            }
            else
            {
                Its.SendVirtual(vm.Id, new Vinvall(vpe.Id), vpe.Id);
            }
        }

        public void Retargeted(Lpi lpi)
        {
            var (irq, map, oldVpe) = Resolve(lpi);
            if (lpi.TargetVcpu is not { } target || Its.FindVpe(vm.Id, target) is not { } vpe)
            {
                return;
            }

            var pending = oldVpe.ClearPending(map.VIntId);
            map.VpeId = vpe.Id;
            oldVpe.VlpiCount--;
            vpe.VlpiCount++;
            Its.SendVirtual(vm.Id, new Vmovi(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId), vpe.Id, true, bridge.Doorbell(vpe, map)), vpe.Id);
            if (pending)
            {
                // VMOVI carries the pending state architecturally.
                bridge.MakeVlpiPending(map, "moved by VMOVI");
            }
        }

        public void Unmapped(Lpi lpi, uint deviceId, uint eventId, string reason)
        {
            var hostIrq = lpi.HostIrq!.Value;
            if (bridge._vectorOf(hostIrq) is { Route: { } route } && route.DeviceId == deviceId && route.Data == eventId)
            {
                bridge._remapHints[(vm.Id, deviceId, eventId)] = hostIrq;
            }

            bridge.Unmap(vm, lpi, reason, decrementCount: false);
        }

        public void Mapped(uint deviceId, uint eventId)
        {
            // Beyond KVM (remapHint): re-forward a translation the guest re-created while the endpoint was not reprogrammed.
            if (!bridge._configuration.RemapHint || !bridge._remapHints.Remove((vm.Id, deviceId, eventId), out var hostIrq))
            {
                return;
            }

            // Only a producer still paired with this VM's irqfd can carry a VLPI (spec/vgic-v4.md §1.2).
            if (bridge._vectorOf(hostIrq) is { Paired: true, Route: { } route, ConnectedVm: { } connected } && connected == vm.Id
                && route.DeviceId == deviceId && route.Data == eventId && !bridge._its.HostIrqs[hostIrq].Forwarded)
            {
                bridge.SetForwarding(vm, bridge._its.HostIrqs[hostIrq], route);
            }
        }

        public bool? VlpiPending(Lpi lpi)
        {
            if (!bridge.IsV41)
            {
                return null;
            }

            var (_, map, vpe) = Resolve(lpi);
            return vpe.PendingVlpis.Contains(map.VIntId);
        }
    }
}
