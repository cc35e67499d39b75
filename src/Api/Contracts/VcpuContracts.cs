using GicService.Domain.Hosts;
using GicService.Domain.Vms;
using Host = GicService.Domain.Hosts.Host;

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
    IReadOnlyList<PendingInterruptResponse> Pending,
    int? VpeId)
{
    public static VcpuResponse From(Host host, Vm vm, uint vcpuId)
    {
        var vcpu = vm.Vcpus[(int)vcpuId];
        var software = vm.Lpis.Lpis
            .Where(l => l.Pending && l.TargetVcpu == vcpuId)
            .Select(l => (l.IntId.Value, Source: "lpi", l.Enabled, l.Priority));
        var vlpis = host.Bridge.PendingVlpis(vm, vcpuId).Select(v => (v.IntId, Source: "vlpi", v.Enabled, v.Priority));
        var pending = software.Concat(vlpis)
            .OrderBy(p => p.Priority).ThenBy(p => p.Item1)
            .Select(p => new PendingInterruptResponse(p.Item1, p.Source, p.Enabled, $"0x{p.Priority:x2}"))
            .ToList();
        var vpe = host.Bridge.VpeOf(vm, vcpuId);
        return new VcpuResponse(vcpuId, vcpu.State.ToString().ToLowerInvariant(), vcpu.Pcpu, vpe?.Resident ?? vcpu.Resident,
            vpe?.DoorbellArmed ?? vcpu.DoorbellArmed, vpe?.PendingLast ?? false, vm.Redistributors[(int)vcpuId].EnableLpis, pending,
            vpe?.Id);
    }
}

public sealed record VcpuListResponse(IReadOnlyList<VcpuResponse> Vcpus);

public sealed record LoadRequest(uint? Pcpu);

public sealed record AckResponse(uint? IntId, string? Source);
