using GicService.Domain.Hosts;
using Host = GicService.Domain.Hosts.Host;

namespace GicService.Api.Contracts;

public sealed record HostItsRequest(int? DevBits, int? IdBits, bool? DirectLpi);

public sealed record CreateHostRequest(
    string? Id,
    int? Pcpus,
    string? GicVersion,
    HostItsRequest? HostIts,
    bool? RemapHint,
    bool? PreservePendingOnUnmap);

public sealed record HostItsResponse(int DevBits, int IdBits, bool DirectLpi);

/// <summary>What the host may hold, fixed when it was created (docs/access-control-and-limits.md).</summary>
public sealed record HostLimitsResponse(int Vms, int VcpusPerVm, int VfioDevices, int VectorsPerDevice, long GuestMemoryBytesPerVm)
{
    public static HostLimitsResponse From(HostLimits limits) =>
        new(limits.Vms, limits.VcpusPerVm, limits.VfioDevices, limits.VectorsPerDevice, limits.GuestMemoryBytesPerVm);
}

/// <summary>What runs on one pCPU: ids are null when nothing is resident.</summary>
public sealed record PcpuResponse(uint Pcpu, int? VpeId, string? VmId, uint? Vcpu);

public sealed record HostResponse(
    string Id,
    int Pcpus,
    string GicVersion,
    HostItsResponse HostIts,
    bool RemapHint,
    bool PreservePendingOnUnmap,
    IReadOnlyList<string> Vms,
    IReadOnlyList<PcpuResponse> Residency,
    long LastSeq,
    HostLimitsResponse Limits)
{
    public static HostResponse From(Host host) => new(
        host.Id,
        host.Configuration.Pcpus,
        host.Configuration.GicVersion.Name(),
        new HostItsResponse(host.Configuration.HostDevBits, host.Configuration.HostIdBits, host.Configuration.EffectiveDirectLpi),
        host.Configuration.RemapHint,
        host.Configuration.PreservePendingOnUnmap,
        host.Vms.Select(v => v.Id).ToList(),
        PcpusOf(host),
        host.LastSeq,
        HostLimitsResponse.From(host.Configuration.EffectiveLimits));

    public static IReadOnlyList<PcpuResponse> PcpusOf(Host host) =>
        host.Pcpus.Select((r, i) => new PcpuResponse((uint)i, host.HostIts.Redistributors[i].ResidentVpe, r?.VmId, r?.Vcpu)).ToList();
}

public sealed record HostListResponse(IReadOnlyList<HostResponse> Hosts);
