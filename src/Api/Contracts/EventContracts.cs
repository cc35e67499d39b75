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

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? VpeId { get; init; }

    /// <summary>A HostItsCommand's command: op, its architected fields, raw.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, object>? Command { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mode { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Path { get; init; }

    /// <summary>The VFIO device id (a string, unlike the ITS <c>deviceId</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VfioDevice { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Vector { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Bdf { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Hex? Address { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Hex? Data { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Masked { get; init; }

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
            HostItsCommand x => r with { VmId = x.VmId, Op = x.Command.Mnemonic, Command = HostItsCommandResponse.From(x.Command, x.Raw), Raw = x.Raw },
            HostRedistributorOp x => r with { VmId = x.VmId, Op = x.Op, Pcpu = x.Pcpu, VpeId = x.VpeId, IntId = x.IntId, Value = x.Value is { } v ? new Hex(v) : null },
            VlpiDelivered x => r with { VmId = x.VmId, Vcpu = x.Vcpu, Pcpu = x.Pcpu, VpeId = x.VpeId, IntId = x.IntId, HostIrq = x.HostIrq, Source = "vlpi" },
            VlpiPending x => r with { VmId = x.VmId, Vcpu = x.Vcpu, VpeId = x.VpeId, IntId = x.IntId, HostIrq = x.HostIrq, Source = "vlpi", Coalesced = x.Coalesced },
            DoorbellFired x => r with { VmId = x.VmId, Vcpu = x.Vcpu, VpeId = x.VpeId, Pcpu = x.Pcpu, IntId = x.IntId },
            ForwardingSet x => r with
            {
                VmId = x.VmId, HostIrq = x.HostIrq, DeviceId = x.DeviceId, EventId = x.EventId, IntId = x.IntId, Vcpu = x.Vcpu, VpeId = x.VpeId,
                Mode = x.Mode, Reason = x.Reason,
            },
            ForwardingUnset x => r with { VmId = x.VmId, HostIrq = x.HostIrq, IntId = x.IntId, Reason = x.Reason },
            VfioDeviceAssigned x => r with { VmId = x.VmId, VfioDevice = x.DeviceId, Bdf = x.Bdf, DeviceId = x.HostDeviceId, Vector = x.Vectors },
            MsixVectorProgrammed x => r with
            {
                VmId = x.VmId, VfioDevice = x.DeviceId, Vector = x.Vector, HostIrq = x.HostIrq, Address = new Hex(x.Address), Data = new Hex(x.Data), Masked = x.Masked,
            },
            MsixVectorTriggered x => r with { VmId = x.VmId, VfioDevice = x.DeviceId, Vector = x.Vector, HostIrq = x.HostIrq, Path = x.Path },
            _ => r,
        };
    }

    public static string SourceName(InterruptSource source) => source == InterruptSource.Vlpi ? "vlpi" : "lpi";
}

public sealed record EventPageResponse(IReadOnlyList<FabricEventResponse> Events, long LastSeq);
