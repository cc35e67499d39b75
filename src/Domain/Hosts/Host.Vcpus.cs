using GicService.Domain.Events;
using GicService.Domain.Inputs;
using GicService.Domain.Vcpus;

namespace GicService.Domain.Hosts;

// vCPU scheduling on pCPUs and the guest's acknowledge (design/api.md "vCPUs").
public sealed partial class Host
{
    private object? CheckPcpu(uint pcpu, string vmId, uint vcpu)
    {
        if (pcpu >= _pcpus.Length)
        {
            return new Rejection(RejectionKind.NotFound, $"pCPU {pcpu} does not exist (this host has {_pcpus.Length}).");
        }

        return _pcpus[pcpu] is { } resident && (resident.VmId != vmId || resident.Vcpu != vcpu)
            ? new Rejection(RejectionKind.Conflict, $"pCPU {pcpu} is busy: vCPU {resident.Vcpu} of VM '{resident.VmId}' is resident on it.")
            : null;
    }

    private object LoadVcpu(LoadVcpu input)
    {
        if (Resolve(input.VmId, input.Vcpu, out var vm, out var vcpu) is { } refused)
        {
            return refused;
        }

        if (vcpu.State == VcpuState.Running)
        {
            return new Rejection(RejectionKind.Conflict, $"vCPU {vcpu.Id} is already running on pCPU {vcpu.Pcpu}; put it first.");
        }

        if (CheckPcpu(input.Pcpu, vm.Id, vcpu.Id) is { } busy)
        {
            return busy;
        }

        vcpu.Load(input.Pcpu);
        if (vcpu.State == VcpuState.Blocked)
        {
            return Done.Value; // a vCPU in WFI stays blocked, doorbell armed, until woken
        }

        _pcpus[input.Pcpu] = (vm.Id, vcpu.Id);
        _bridge.Load(vm, vcpu.Id, input.Pcpu);
        _events.Add(new VcpuLoaded(vm.Id, vcpu.Id, input.Pcpu));
        return Done.Value;
    }

    private object PutVcpu(PutVcpu input)
    {
        if (Resolve(input.VmId, input.Vcpu, out var vm, out var vcpu) is { } refused)
        {
            return refused;
        }

        if (vcpu.State != VcpuState.Running)
        {
            return new Rejection(RejectionKind.Conflict, $"vCPU {vcpu.Id} is not running (it is {vcpu.State.ToString().ToLowerInvariant()}).");
        }

        var pcpu = vcpu.Pcpu!.Value;
        _bridge.Put(vm, vcpu.Id, needDoorbell: false);
        vcpu.Put();
        _pcpus[pcpu] = null;
        _events.Add(new VcpuPut(vm.Id, vcpu.Id, pcpu, "put"));
        return Done.Value;
    }

    private object BlockVcpu(BlockVcpu input)
    {
        if (Resolve(input.VmId, input.Vcpu, out var vm, out var vcpu) is { } refused)
        {
            return refused;
        }

        if (vcpu.State != VcpuState.Running)
        {
            return new Rejection(RejectionKind.Conflict, $"Only a running vCPU executes WFI; vCPU {vcpu.Id} is {vcpu.State.ToString().ToLowerInvariant()}.");
        }

        var pcpu = vcpu.Pcpu!.Value;
        _bridge.Put(vm, vcpu.Id, needDoorbell: true);
        vcpu.Block();
        _pcpus[pcpu] = null;
        _events.Add(new VcpuPut(vm.Id, vcpu.Id, pcpu, "block"));
        _events.Add(new VcpuBlocked(vm.Id, vcpu.Id, pcpu));
        return Done.Value;
    }

    private object UnblockVcpu(UnblockVcpu input)
    {
        if (Resolve(input.VmId, input.Vcpu, out var vm, out var vcpu) is { } refused)
        {
            return refused;
        }

        if (vcpu.State != VcpuState.Blocked)
        {
            return new Rejection(RejectionKind.Conflict, $"vCPU {vcpu.Id} is not blocked (it is {vcpu.State.ToString().ToLowerInvariant()}).");
        }

        var pcpu = vcpu.Pcpu!.Value;
        if (CheckPcpu(pcpu, vm.Id, vcpu.Id) is { } busy)
        {
            return busy;
        }

        vcpu.Unblock();
        _pcpus[pcpu] = (vm.Id, vcpu.Id);
        _events.Add(new VcpuUnblocked(vm.Id, vcpu.Id, pcpu));
        _bridge.Load(vm, vcpu.Id, pcpu);
        _events.Add(new VcpuLoaded(vm.Id, vcpu.Id, pcpu));
        return Done.Value;
    }

    private object Acknowledge(AcknowledgeInterrupt input)
    {
        if (Resolve(input.VmId, input.Vcpu, out var vm, out var vcpu) is { } refused)
        {
            return refused;
        }

        if (vcpu.State != VcpuState.Running)
        {
            return new Rejection(RejectionKind.Conflict,
                $"vCPU {vcpu.Id} is {vcpu.State.ToString().ToLowerInvariant()}: only a running guest acknowledges interrupts.");
        }

        // The CPU interface presents the highest priority of list-register LPIs and resident VLPIs; ties by INTID.
        var lpi = vm.Lpis.HighestPriorityPending(vcpu.Id);
        var vlpi = _bridge.HighestPendingVlpi(vm, vcpu.Id);
        var takeVlpi = vlpi is { } v && (lpi is null || v.Priority < lpi.Priority || (v.Priority == lpi.Priority && v.IntId < lpi.IntId.Value));
        if (takeVlpi)
        {
            _bridge.AcknowledgeVlpi(vm, vcpu.Id, vlpi!.Value.IntId);
            _events.Add(new InterruptAcknowledged(vm.Id, vcpu.Id, vcpu.Pcpu, vlpi.Value.IntId, InterruptSource.Vlpi, vlpi.Value.Priority));
            return new Acknowledged(vlpi.Value.IntId, InterruptSource.Vlpi);
        }

        if (lpi is null)
        {
            return new Acknowledged(null, null);
        }

        vm.Lpis.Acknowledge(lpi);
        _events.Add(new InterruptAcknowledged(vm.Id, vcpu.Id, vcpu.Pcpu, lpi.IntId.Value, InterruptSource.Lpi, lpi.Priority));
        return new Acknowledged(lpi.IntId.Value, InterruptSource.Lpi);
    }
}
