using System.Text.Json;

namespace GicService.Api.Contracts;

/// <summary>
/// A host's trace (docs/durability.md): what <c>GET /api/hosts/{hostId}/trace</c> returns and
/// <c>POST /api/hosts/replay</c> takes back as it was returned. Each input is a domain input record with
/// its <c>"type"</c>; a refused one carries <c>"rejected": true</c>.
/// </summary>
public sealed record TraceDocument(
    string Format,
    int Version,
    string HostId,
    TraceConfiguration Configuration,
    long InputCount,
    IReadOnlyList<JsonElement> Inputs);

/// <summary>The host's configuration as the journal stores it (gicVersion "V4_0" or "V4_1").</summary>
public sealed record TraceConfiguration(
    string Id,
    int Pcpus,
    string GicVersion,
    int HostDevBits,
    int HostIdBits,
    bool? DirectLpi,
    bool RemapHint,
    bool PreservePendingOnUnmap);
