using GicService.Domain.Events;
using GicService.Domain.HostIts;
using GicService.Domain.Metrics;
using GicService.Domain.Vfio;
using GicService.Domain.Vms;

namespace GicService.Domain.Bridge;

// A VFIO device raising an MSI-X vector: path A (VLPI) or path B (host LPI -> VFIO -> irqfd -> vITS) (spec/vgic-v4.md §0).
public sealed partial class VgicV4Bridge
{
    internal TriggerOutcome DeviceMsi(VfioDevice device, MsixVector vector)
    {
        var irq = vector.Host;
        if (irq.Forwarded && _its.FindVlpi(irq.HostDeviceId, irq.EventId) is { } map)
        {
            _events.Add(new MsixVectorTriggered(map.VmId, device.Id, vector.Index, irq.Irq, "vlpi"));
            var vpe = _its.FindVpe(map.VpeId)!;
            var (delivered, doorbell) = MakeVlpiPending(map, vpe, "device MSI");
            return new TriggerOutcome("vlpi", delivered ? "delivered" : "pending", map.VIntId, vpe.Vcpu, doorbell, null);
        }

        // The host LPI fires; VFIO's handler signals the eventfd, which reaches the VM whose irqfd it is connected to.
        var vmId = vector.ConnectedVm ?? device.VmId;
        _events.Add(new MsixVectorTriggered(vmId, device.Id, vector.Index, irq.Irq, "software"));
        if (vector.Masked || vector.Route is null)
        {
            vector.PbaPending = true;
            return new TriggerOutcome("software", "pending", null, null, false, "the vector is masked: held in the MSI-X Pending Bit Array until unmasked");
        }

        return InjectThroughIrqfd(vmId, vector.Route);
    }

    /// <summary>The irqfd's injection: kvm_set_msi with the routing entry, through the ITS whose frame holds the address.</summary>
    internal TriggerOutcome InjectThroughIrqfd(string vmId, MsiRoute route)
    {
        var vm = _findVm(vmId);
        if (vm is null || !vm.Its.ContainsDoorbell(route.Address))
        {
            DomainMetrics.Msi(DomainMetrics.MsiPath.Irqfd, delivered: false, null, Its.Errno.EINVAL);
            _events.Add(new MsiDropped(vmId, route.DeviceId, route.Data, "the route's doorbell is not an ITS of the VM (-EINVAL)", null, Its.Errno.EINVAL));
            return new TriggerOutcome("software", "dropped", null, null, false, "the route's doorbell is not an ITS of the VM (-EINVAL)");
        }

        var result = vm.Its.SignalMsi(route.DeviceId, route.Data, "device MSI");
        DomainMetrics.Msi(DomainMetrics.MsiPath.Irqfd, result);
        if (result.Lpi is not { } lpi)
        {
            _events.Add(new MsiDropped(vm.Id, route.DeviceId, route.Data, result.Reason ?? "dropped", result.ItsError, result.Errno));
            return new TriggerOutcome("software", "dropped", null, null, false, result.Reason);
        }

        return lpi.IsForwarded
            ? new TriggerOutcome("vlpi", VpeOf(vm, lpi.TargetVcpu ?? 0) is { Resident: true } ? "delivered" : "pending", lpi.IntId.Value, lpi.TargetVcpu, false, "software injection of a forwarded LPI made the VLPI pending")
            : new TriggerOutcome("software", "pending", lpi.IntId.Value, lpi.TargetVcpu, false, null);
    }
}
