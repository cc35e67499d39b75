using GicService.Domain.Events;
using GicService.Domain.HostIts;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Metrics;
using GicService.Domain.Vms;

namespace GicService.Domain.Bridge;

// vgic_v4_load / vgic_v4_put (spec/vgic-v4.md §4.2, §4.3) and the GICR_VPENDBASER writes they make.
public sealed partial class VgicV4Bridge
{
    private const int VpendValid = 63;
    private const int VpendIdaiOrDb = 62;   // v4.0 IDAI, v4.1 Doorbell
    private const int VpendPendingLast = 61;
    private const int VpendVgrp1En = 58;    // v4.1

    /// <summary>vgic_v4_load on <paramref name="pcpu"/>: VMOVP if the vPE moved, then resident; v4.0 doorbell off and any stale doorbell cleared.</summary>
    internal void Load(Vm vm, uint vcpu, uint pcpu)
    {
        var vpe = _its.FindVpe(vm.Id, vcpu)!;
        if (vpe.Resident)
        {
            return;
        }

        // 1. Affinity: VMOVP to the new redistributor, and on v4.0 the doorbell follows.
        if (vpe.ColIdx != pcpu)
        {
            var old = vpe.ColIdx ?? 0;
            vpe.ColIdx = pcpu;
            _its.SendVirtual(vm.Id, new Vmovp(0, 0, vpe.Id, pcpu, IsV41, IsV41 ? vpe.DoorbellLpi : 0), vpe.Id);
            if (!IsV41)
            {
                if (_its.DirectLpi)
                {
                    _its.RedistributorOp("CLRLPIR", old, null, vpe.DoorbellLpi, null, vm.Id);
                }
                else
                {
                    // its_vpe_db_proxy_move: the proxy event is MAPTI'd at the first move, and every VMOVP is followed by
                    // MOVI + SYNC of it (spec/vgic-v4.md §4.2 step 1, §8).
                    EnsureProxyMapped(vpe, pcpu);
                    _its.SendPhysical(vm.Id, new Movi(new DeviceId(HostGicV4.ProxyDeviceId), new EventId(vpe.ProxyEvent), new CollectionId((ushort)pcpu)), pcpu);
                }
            }
        }

        // 2. Schedule: v4.0 masks the doorbell first and points GICR_VPROPBASER at the VM's vprop table (v4.1 describes
        //    the vPE table there and never rewrites it per schedule); then VPENDBASER.Valid = 1 on this pCPU's redistributor.
        if (!IsV41 && vpe.DoorbellArmed)
        {
            SetDoorbellMasked(vpe, masked: true);
        }

        if (!IsV41)
        {
            _its.RedistributorOp("VPROPBASER", pcpu, vpe.Id, null, HostGicV4.VpropBase | (uint)(_its.IdBits - 1), vm.Id);
        }

        var rd = _its.Redistributors[(int)pcpu];
        rd.VpendBaser = IsV41
            ? (1UL << VpendValid) | (1UL << VpendVgrp1En) | vpe.Id
            : (1UL << VpendValid) | (1UL << VpendIdaiOrDb) | (1UL << VpendPendingLast) | vpe.VptAddress;
        _its.RedistributorOp("VPENDBASER", pcpu, vpe.Id, null, rd.VpendBaser, vm.Id);
        rd.ResidentVpe = vpe.Id;
        vpe.Resident = true;
        vpe.EverLoaded = true;
        vpe.DoorbellArmed = false;

        // 3. v4.0: clear a doorbell that fired while we were away (GICR_CLRLPIR, else CLEAR of the proxy event).
        if (!IsV41)
        {
            if (_its.DirectLpi)
            {
                _its.RedistributorOp("CLRLPIR", pcpu, null, vpe.DoorbellLpi, null, vm.Id);
            }
            else
            {
                EnsureProxyMapped(vpe, pcpu);
                _its.SendPhysical(vm.Id, new Clear(new DeviceId(HostGicV4.ProxyDeviceId), new EventId(vpe.ProxyEvent)), pcpu);
            }
        }

        // 4. Commit: the redistributor has scanned the VPT; pending, enabled VLPIs are presented.
        foreach (var vintid in vpe.PendingVlpis.Where(v => _its.IsVlpiEnabled(vm.Id, v)))
        {
            var hostIrq = _its.Vlpis.FirstOrDefault(m => m.VpeId == vpe.Id && m.VIntId == vintid)?.HostIrq;
            _events.Add(new VlpiDelivered(vm.Id, vcpu, pcpu, vpe.Id, vintid, hostIrq));
            DomainMetrics.VlpiDelivered(DomainMetrics.VlpiDelivery.Load);
        }
    }

    /// <summary>
    /// vgic_v4_put: VPENDBASER.Valid = 0. With <paramref name="needDoorbell"/> (WFI) the doorbell is armed:
    /// v4.0 unmasks it first; v4.1 sets DB in the same write. pending_last is read back.
    /// </summary>
    internal void Put(Vm vm, uint vcpu, bool needDoorbell)
    {
        var vpe = _its.FindVpe(vm.Id, vcpu)!;
        if (!vpe.Resident)
        {
            return;
        }

        var pcpu = vpe.ColIdx!.Value;
        var rd = _its.Redistributors[(int)pcpu];
        var somethingPending = vpe.PendingVlpis.Any(v => _its.IsVlpiEnabled(vm.Id, v));
        if (IsV41)
        {
            rd.VpendBaser = needDoorbell ? 1UL << VpendIdaiOrDb : 1UL << VpendPendingLast;
            vpe.PendingLast = !needDoorbell || somethingPending;
            vpe.DoorbellArmed = needDoorbell && !somethingPending;
        }
        else
        {
            if (needDoorbell)
            {
                SetDoorbellMasked(vpe, masked: false);
            }

            rd.VpendBaser &= ~(1UL << VpendValid);
            vpe.PendingLast = somethingPending;
        }

        _its.RedistributorOp("VPENDBASER", pcpu, vpe.Id, null, rd.VpendBaser, vm.Id);
        rd.ResidentVpe = null;
        vpe.Resident = false;
    }

    public Vpe? VpeOf(Vm vm, uint vcpu) => _its.FindVpe(vm.Id, vcpu);
}
