using System.Text.Json.Serialization;
using GicService.Api.Json;
using GicService.Domain.Events;

namespace GicService.Api.Contracts;

/// <summary>
/// One fabric event on the wire (HTTP and SignalR): <c>seq</c>, <c>type</c>, <c>hostId</c> and the ids it
/// concerns; fields that do not apply are omitted.
/// </summary>
public sealed record FabricEventResponse
{
    public required long Seq { get; init; }

    public required string Type { get; init; }

    public required string HostId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VmId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Vcpu { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? Pcpu { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? DeviceId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? EventId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? IntId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public uint? HostIrq { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Source { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Op { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Raw { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Hex? Offset { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ItsErrorResponse? ItsError { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Errno { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Coalesced { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Priority { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Register { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Hex? Value { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? GicVersion { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Pcpus { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Vcpus { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Setup { get; init; }

    public static FabricEventResponse From(FabricEvent e)
    {
        var r = new FabricEventResponse { Seq = e.Seq, Type = e.Type, HostId = e.HostId };
        return e switch
        {
            HostCreated x => r with { GicVersion = x.GicVersion, Pcpus = x.Pcpus },
            VmCreated x => r with { VmId = x.VmId, Vcpus = x.Vcpus, Setup = x.Setup },
            VmDeleted x => r with { VmId = x.VmId },
            VcpuLoaded x => r with { VmId = x.VmId, Vcpu = x.Vcpu, Pcpu = x.Pcpu },
            VcpuPut x => r with { VmId = x.VmId, Vcpu = x.Vcpu, Pcpu = x.Pcpu, Reason = x.Reason },
            VcpuBlocked x => r with { VmId = x.VmId, Vcpu = x.Vcpu, Pcpu = x.Pcpu },
            VcpuUnblocked x => r with { VmId = x.VmId, Vcpu = x.Vcpu, Pcpu = x.Pcpu },
            RegisterWritten x => r with { VmId = x.VmId, Vcpu = x.Vcpu, Register = x.Register, Value = x.Value },
            ItsTablesOperation x => r with { VmId = x.VmId, Op = x.Operation },
            ItsCommandProcessed x => r with { VmId = x.VmId, Op = x.Op, Raw = x.Raw, Offset = x.Offset },
            ItsCommandError x => r with
            {
                VmId = x.VmId, Op = x.Op, Raw = x.Raw, Offset = x.Offset, ItsError = ItsErrorResponse.From(x.ItsError),
                Errno = x.Errno is { } errno ? $"-{errno}" : null, Reason = x.Reason,
            },
            LpiPending x => r with
            {
                VmId = x.VmId, Vcpu = x.Vcpu, IntId = x.IntId, DeviceId = x.DeviceId, EventId = x.EventId,
                Source = SourceName(x.Source), Coalesced = x.Coalesced, Reason = x.Reason,
            },
            MsiDropped x => r with
            {
                VmId = x.VmId, DeviceId = x.DeviceId, EventId = x.EventId, Reason = x.Reason, ItsError = ItsErrorResponse.From(x.ItsError),
                Errno = x.Errno is { } errno ? $"-{errno}" : null,
            },
            InterruptAcknowledged x => r with
            {
                VmId = x.VmId, Vcpu = x.Vcpu, Pcpu = x.Pcpu, IntId = x.IntId, Source = SourceName(x.Source), Priority = $"0x{x.Priority:x2}",
            },
            PendingDropped x => r with { VmId = x.VmId, Vcpu = x.Vcpu, IntId = x.IntId, Source = SourceName(x.Source), Reason = x.Reason },
            _ => r,
        };
    }

    public static string SourceName(InterruptSource source) => source == InterruptSource.Vlpi ? "vlpi" : "lpi";
}

public sealed record EventPageResponse(IReadOnlyList<FabricEventResponse> Events, long LastSeq);
