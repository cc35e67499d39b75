using GicService.Domain.Vms;

namespace GicService.Api.Contracts;

public sealed record PendingInterruptResponse(uint IntId, string Source, bool Enabled, string Priority);

public sealed record VcpuResponse(
    uint Vcpu,
    string State,
    uint? Pcpu,
    bool Resident,
    bool DoorbellArmed,
    bool PendingLast,
    bool EnableLpis,
    IReadOnlyList<PendingInterruptResponse> Pending)
{
    public static VcpuResponse From(Vm vm, uint vcpuId)
    {
        var vcpu = vm.Vcpus[(int)vcpuId];
        var pending = vm.Lpis.Lpis
            .Where(l => l.Pending && l.TargetVcpu == vcpuId)
            .OrderBy(l => l.Priority).ThenBy(l => l.IntId.Value)
            .Select(l => new PendingInterruptResponse(l.IntId.Value, "lpi", l.Enabled, $"0x{l.Priority:x2}"))
            .ToList();
        return new VcpuResponse(vcpuId, vcpu.State.ToString().ToLowerInvariant(), vcpu.Pcpu, vcpu.Resident, vcpu.DoorbellArmed,
            PendingLast: false, vm.Redistributors[(int)vcpuId].EnableLpis, pending);
    }
}

public sealed record VcpuListResponse(IReadOnlyList<VcpuResponse> Vcpus);

public sealed record LoadRequest(uint? Pcpu);

public sealed record AckResponse(uint? IntId, string? Source);
