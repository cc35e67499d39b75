using System.Text.Json.Serialization;
using GicService.Api.Json;
using GicService.Domain.Bitfields;
using GicService.Domain.Its;
using GicService.Domain.Lpis;

namespace GicService.Api.Contracts;

/// <summary>An architected ITS error: code as "0x01CCRR", name as KVM's E_ITS_* without the prefix.</summary>
public sealed record ItsErrorResponse(string Code, string Name)
{
    public static ItsErrorResponse From(ItsError error) => new(error.Code(), error.Name());

    public static ItsErrorResponse? From(ItsError? error) => error is { } e ? From(e) : null;
}

public sealed record RegisterResponse(string Name, Hex Value);

/// <summary>
/// A register write. <c>width</c> 32 on a 64-bit register writes one half (<c>upper</c> picks the high
/// word at +4); <c>userspace</c> writes as the VMM does through KVM_DEV_ARM_VGIC_GRP_ITS_REGS.
/// </summary>
public sealed record RegisterWriteRequest(Hex? Value, int? Width, bool? Upper, bool? Userspace);

public sealed record RegisterWriteResponse(string Name, Hex Value, IReadOnlyList<CommandResultResponse>? Processed);

public sealed record GitsCtlrResponse(Hex Value, bool Enabled, bool Quiescent);

public sealed record GitsTyperResponse(Hex Value, bool Physical, bool Virtual, int IttEntrySize, int IdBits, int DevBits, bool Pta, bool Cil);

public sealed record GitsCbaserResponse(Hex Value, bool Valid, Hex Address, ulong QueueBytes);

public sealed record GitsPointerResponse(Hex Value, Hex Offset, bool Stalled);

public sealed record GitsBaserResponse(int Index, Hex Value, bool Valid, string Type, bool Indirect, Hex Address, ulong Pages, int EntrySize);

public sealed record ItsResponse(
    GitsCtlrResponse Ctlr,
    Hex Iidr,
    int AbiRevision,
    GitsTyperResponse Typer,
    GitsCbaserResponse Cbaser,
    GitsPointerResponse Cwriter,
    GitsPointerResponse Creadr,
    IReadOnlyList<GitsBaserResponse> Baser,
    int TranslationCacheEntries)
{
    public static ItsResponse From(VirtualIts its)
    {
        var typer = its.Read(ItsRegister.Type);
        return new ItsResponse(
            new GitsCtlrResponse(its.Read(ItsRegister.Control), its.Enabled, its.Quiescent),
            its.Read(ItsRegister.ImplementerId),
            its.AbiRevision,
            new GitsTyperResponse(typer, Bits.IsSet(typer, 0), Bits.IsSet(typer, 1), (int)Bits.Extract(typer, 4, 4) + 1,
                (int)Bits.Extract(typer, 8, 5) + 1, (int)Bits.Extract(typer, 13, 5) + 1, Bits.IsSet(typer, 19), Bits.IsSet(typer, 36)),
            new GitsCbaserResponse(its.Cbaser.Raw, its.Cbaser.Valid, its.Cbaser.Address, its.Cbaser.QueueBytes),
            new GitsPointerResponse(its.Cwriter, its.Cwriter & Bits.Range(19, 5), false),
            new GitsPointerResponse(its.Creadr, its.Creadr & Bits.Range(19, 5), false),
            Enumerable.Range(0, 8).Select(i => DecodeBaser(i, new GitsBaser(its.Read(ItsRegister.TableBase0 + i * 8)))).ToList(),
            its.Cache.Count);
    }

    private static GitsBaserResponse DecodeBaser(int index, GitsBaser baser) => new(
        index,
        baser.Raw,
        baser.Valid,
        baser.Type switch { GitsBaser.TypeDevice => "device", GitsBaser.TypeCollection => "collection", 0 => "none", var t => $"type {t}" },
        baser.Indirect,
        baser.Address,
        baser.Raw == 0 ? 0 : baser.Pages,
        baser.Raw == 0 ? 0 : (int)Bits.Extract(baser.Raw, 48, 5) + 1);
}

/// <summary>
/// One command to queue: structured (<c>op</c> with its fields, named as the architecture names them)
/// or <c>raw</c> (64 hex digits, the 32 bytes as they stand in the queue).
/// </summary>
public sealed record CommandRequest(
    string? Op,
    string? Raw,
    uint? DeviceId,
    uint? EventId,
    uint? IntId,
    uint? CollectionId,
    Hex? RdBase,
    Hex? RdBase2,
    uint? Size,
    Hex? IttAddress,
    bool? Valid);

public sealed record CommandsRequest(IReadOnlyList<CommandRequest>? Commands);

/// <summary>
/// A command's outcome: status "ok", "error" (with <c>itsError</c> for an architected error, or
/// <c>errno</c> for a Linux errno KVM returned) or "ignored" (an opcode KVM does not implement).
/// </summary>
public sealed record CommandResultResponse(
    string Op,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ItsErrorResponse? ItsError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Errno,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason,
    Hex Offset,
    string Raw)
{
    public static CommandResultResponse From(ProcessedCommand c) => new(
        c.Op,
        c.Status.ToString().ToLowerInvariant(),
        ItsErrorResponse.From(c.ItsError),
        c.Errno is { } errno ? $"-{errno}" : null,
        c.Reason,
        c.Offset,
        c.Raw);
}

/// <summary>The request's commands in order (empty with <c>processed</c> false while the ITS is disabled), and the queue pointers after.</summary>
public sealed record CommandsResponse(IReadOnlyList<CommandResultResponse> Results, bool Processed, Hex Creadr, Hex Cwriter);

public sealed record IteResponse(uint EventId, uint IntId, uint? CollectionId);

public sealed record DeviceResponse(uint DeviceId, int Size, Hex IttAddress, IReadOnlyList<IteResponse> Events)
{
    public static DeviceResponse From(ItsDevice device) => new(
        device.Id.Value,
        device.EventIdBits - 1,
        device.IttAddress,
        device.Ites.Values.Select(i => new IteResponse(i.EventId.Value, i.Lpi.IntId.Value, i.Collection?.Id.Value)).ToList());
}

public sealed record DeviceListResponse(IReadOnlyList<DeviceResponse> Devices);

public sealed record CollectionResponse(uint CollectionId, uint? RdBase, bool Mapped);

public sealed record CollectionListResponse(IReadOnlyList<CollectionResponse> Collections);

/// <summary>What an MSI would become: the ITE's LPI and collection, and the vCPU (null when the collection is unmapped).</summary>
public sealed record TranslationResponse(uint IntId, uint? CollectionId, uint? Vcpu);

public sealed record MsiRequest(uint? DeviceId, uint? EventId);

public sealed record MsiResponse(
    string Outcome,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? IntId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] uint? Vcpu,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ItsErrorResponse? ItsError,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Errno,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);

public sealed record LpiConfigRequest(bool? Enabled, uint? Priority);

public sealed record RedistributorRegisterRequest(Hex? Value, int? Width, bool? Upper);

public sealed record LpiResponse(uint IntId, uint? Vcpu, string Priority, bool Enabled, bool Pending, int Mappings)
{
    public static LpiResponse From(Lpi lpi) =>
        new(lpi.IntId.Value, lpi.TargetVcpu, $"0x{lpi.Priority:x2}", lpi.Enabled, lpi.Pending, lpi.References);
}

public sealed record LpiListResponse(IReadOnlyList<LpiResponse> Lpis);
