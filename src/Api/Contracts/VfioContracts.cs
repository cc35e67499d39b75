using System.Text.Json.Serialization;
using GicService.Api.Json;
using GicService.Domain.Bridge;
using GicService.Domain.HostIts;
using GicService.Domain.Vfio;

namespace GicService.Api.Contracts;

public sealed record AssignVfioDeviceRequest(string? Id, string? Bdf, int? Vectors, string? VmId, uint? GuestDeviceId);

/// <summary>One MSI-X vector: the guest's programming, its host IRQ and LPI, and how it reaches the guest now.</summary>
public sealed record MsixVectorResponse(int Vector, uint HostIrq, uint HostLpi, Hex Address, Hex Data, bool Masked, bool PbaPending, string Forwarding)
{
    public static MsixVectorResponse From(MsixVector v) => new(
        v.Index, v.Host.Irq, v.Host.HostLpi, v.Address, v.Data, v.Masked, v.PbaPending,
        v.Host.Forwarded ? "vlpi" : v.Route is not null ? "software" : "none");
}

public sealed record VfioDeviceResponse(string Id, string Bdf, uint HostDeviceId, string VmId, uint GuestDeviceId, IReadOnlyList<MsixVectorResponse> Vectors)
{
    public static VfioDeviceResponse From(VfioDevice d) =>
        new(d.Id, d.Bdf, d.HostDeviceId, d.VmId, d.GuestDeviceId, d.Vectors.Select(MsixVectorResponse.From).ToList());
}

public sealed record VfioDeviceListResponse(IReadOnlyList<VfioDeviceResponse> Devices);

public sealed record ProgramVectorRequest(Hex? Address, Hex? Data, bool? Masked);

public sealed record TriggerResponse(
    string Path,
    string Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? IntId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? Vcpu,
    bool Doorbell,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason)
{
    public static TriggerResponse From(TriggerOutcome o) => new(o.Path, o.Outcome, o.IntId, o.Vcpu, o.Doorbell, o.Reason);
}

public sealed record RouteRequest(Hex? Address, Hex? Data, uint? DeviceId);

public sealed record ForwardingRequest(uint? HostIrq, RouteRequest? Route);

public sealed record ForwardingSetResponse(
    string Mode,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? IntId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? Vcpu,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? VpeId)
{
    public static ForwardingSetResponse From(ForwardingOutcome o) => new(o.Mode, o.Reason, o.IntId, o.Vcpu, o.VpeId);
}

/// <summary>One connected host IRQ of a VM: the guest event its route names and whether it arrives as a VLPI or by software.</summary>
public sealed record ForwardingResponse(uint HostIrq, uint DeviceId, uint EventId, uint? IntId, string Mode, uint? Vcpu, int? VpeId);

public sealed record VpeResponse(
    int VpeId, string VmId, uint Vcpu, uint? Pcpu, bool Resident, bool DoorbellArmed, uint? DoorbellLpi, Hex VptAddress, bool PendingLast,
    int VlpiCount, IReadOnlyList<uint> PendingVlpis)
{
    public static VpeResponse From(Vpe v, bool v41) => new(
        v.Id, v.VmId, v.Vcpu, v.EverLoaded ? v.ColIdx : null, v.Resident, v.DoorbellArmed, v41 ? null : v.DoorbellLpi, v.VptAddress,
        v.PendingLast, v.VlpiCount, v.PendingVlpis.ToList());
}

public sealed record VlpiResponse(uint HostDeviceId, uint EventId, uint HostIrq, string VmId, int VpeId, uint VintId, bool DbEnabled, bool Pending);
