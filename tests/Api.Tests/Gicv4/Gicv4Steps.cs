using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GicService.Api.Contracts;
using GicService.Domain.Its.Commands;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Gicv4;

/// <summary>The host configurations the GICv4 tests run on: a GIC version and, for v4.0, whether the redistributors have DirectLPI.</summary>
public static class Gicv4Hosts
{
    /// <summary>A v4.0 host without DirectLPI (doorbells through the proxy device) and a v4.1 host.</summary>
    public static TheoryData<string> Versions => new() { "v4.0", "v4.1" };

    /// <summary>v4.0 with and without DirectLPI, and v4.1 (which always has it).</summary>
    public static TheoryData<string, bool> VersionsAndDirectLpi => new() { { "v4.0", false }, { "v4.0", true }, { "v4.1", true } };

    public static object? Options(string gicVersion, bool directLpi) =>
        gicVersion == "v4.0" && directLpi ? new { hostIts = new { directLpi = true } } : null;
}

/// <summary>Steps and reads the GICv4 tests share, on top of <see cref="Gicv4Setup"/>.</summary>
public static class Gicv4Steps
{
    public const uint Dev = Gicv4Setup.GuestDeviceId;

    /// <summary>The host DeviceID of the NIC (its requester ID, 0000:01:00.0).</summary>
    public const uint HostDev = 0x100;

    public const ulong VpendValid = 1UL << 63;
    public const ulong VpendIdaiOrDb = 1UL << 62;
    public const ulong VpendPendingLast = 1UL << 61;
    public const ulong VpendVgrp1En = 1UL << 58;

    public static async Task<JsonArray> Run(this Gicv4Setup g, params object[] commands) => await g.Client.Commands(g.Vm, commands);

    /// <summary>Runs the commands and asserts each succeeded.</summary>
    public static async Task RunOk(this Gicv4Setup g, params object[] commands)
    {
        var results = await g.Run(commands);
        Assert.All(results, r => Assert.True(Status(r!) == "ok", Text(r!)));
    }

    public static Task SetLpiConfig(this Gicv4Setup g, uint intId, bool enabled, int priority = 0xa0) =>
        g.Client.Put($"{g.Vm}/lpis/{intId}/config", new { enabled, priority }, HttpStatusCode.NoContent);

    public static async Task<JsonObject> Vector(this Gicv4Setup g, int vector) =>
        (await g.Client.Get(g.Device))["vectors"]![vector]!.AsObject();

    public static async Task<uint> HostIrq(this Gicv4Setup g, int vector) => (uint)(await g.Vector(vector))["hostIrq"]!;

    public static async Task<JsonObject> Vpe(this Gicv4Setup g, int vcpu) =>
        (await g.Client.Get($"/api/hosts/{g.HostId}/its/vpes")).AsArray()
            .Single(v => (string)v!["vmId"]! == "vm1" && (int)v["vcpu"]! == vcpu)!.AsObject();

    public static async Task<int> VpeId(this Gicv4Setup g, int vcpu) => (int)(await g.Vpe(vcpu))["vpeId"]!;

    public static async Task<List<JsonObject>> Vlpis(this Gicv4Setup g) =>
        (await g.Client.Get($"/api/hosts/{g.HostId}/its/vlpis")).AsArray().Select(v => v!.AsObject()).ToList();

    public static async Task<List<JsonObject>> Forwardings(this Gicv4Setup g, string vm = "vm1") =>
        (await g.Client.Get($"/api/hosts/{g.HostId}/vms/{vm}/forwardings")).AsArray().Select(v => v!.AsObject()).ToList();

    /// <summary>The interrupts pending on a vCPU as "intId/source" strings.</summary>
    public static async Task<List<string>> Pending(this Gicv4Setup g, int vcpu) =>
        (await g.Vcpu(vcpu))["pending"]!.AsArray().Select(p => $"{(int)p!["intId"]!}/{(string)p["source"]!}").ToList();

    /// <summary>Everything a refused request must leave untouched, as one text: vectors, forwardings, vCPUs, vPEs, VLPIs, lastSeq.</summary>
    public static async Task<string> StateText(this Gicv4Setup g)
    {
        var parts = new[]
        {
            await g.Client.Get($"/api/hosts/{g.HostId}/vfio/devices"),
            await g.Client.Get($"{g.Vm}/forwardings"),
            await g.Client.Get($"{g.Vm}/vcpus"),
            await g.Client.Get($"/api/hosts/{g.HostId}/its/vpes"),
            await g.Client.Get($"/api/hosts/{g.HostId}/its/vlpis"),
            await g.Client.Get($"/api/hosts/{g.HostId}/pcpus"),
        };
        return string.Join("\n", parts.Select(Text)) + $"\nlastSeq={await g.Mark()}";
    }

    /// <summary>The guest RAM of [gpa, gpa+length) as hex.</summary>
    public static async Task<string> Memory(this Gicv4Setup g, ulong gpa, int length) =>
        (string)(await g.Client.Get($"{g.Vm}/memory/0x{gpa:x}?length={length}"))["hex"]!;

    /// <summary>The events of a type, in order.</summary>
    public static List<JsonNode> OfType(this IEnumerable<JsonNode> events, string type) => events.Where(e => (string)e["type"]! == type).ToList();

    /// <summary>The host ITS commands and redistributor writes among <paramref name="events"/>, as in <see cref="Gicv4Setup.HostOpsAfter"/>.</summary>
    public static List<string> HostOps(this IEnumerable<JsonNode> events) =>
        events.Where(e => (string)e["type"]! is "HostItsCommand" or "HostRedistributorOp")
            .Select(e => (string)e["type"]! == "HostItsCommand" ? (string)e["op"]! : "GICR_" + (string)e["op"]!)
            .ToList();

    /// <summary>The HostItsCommand events with this op.</summary>
    public static List<JsonObject> Commands(this IEnumerable<JsonNode> events, string op) =>
        events.OfType("HostItsCommand").Where(e => (string)e["op"]! == op).Select(e => e["command"]!.AsObject()).ToList();

    /// <summary>The HostRedistributorOp events with this op.</summary>
    public static List<JsonNode> RedistributorOps(this IEnumerable<JsonNode> events, string op) =>
        events.OfType("HostRedistributorOp").Where(e => (string)e["op"]! == op).ToList();

    /// <summary>
    /// Events after <paramref name="after"/>, each HostItsCommand checked against the codec: its raw 64 hex digits decode to the
    /// command it names, with the same fields, and encode back to the same digits.
    /// </summary>
    public static async Task<List<JsonNode>> CheckedEventsAfter(this Gicv4Setup g, long after)
    {
        var events = await g.EventsAfter(after);
        foreach (var e in events.OfType("HostItsCommand"))
        {
            AssertRawMatchesCodec(e);
        }

        return events;
    }

    public static void AssertRawMatchesCodec(JsonNode e)
    {
        var raw = (string)e["raw"]!;
        Assert.Matches("^[0-9a-f]{64}$", raw);
        Assert.Equal(raw, (string)e["command"]!["raw"]!);
        var decoded = ItsCommandCodec.Decode(Convert.FromHexString(raw));
        Assert.Equal((string)e["op"]!, decoded.Mnemonic);
        Assert.Equal(raw, ItsCommandCodec.ToHex(ItsCommandCodec.Encode(decoded)));
        var fields = JsonSerializer.SerializeToNode(HostItsCommandResponse.From(decoded, raw))!;
        Assert.True(JsonNode.DeepEquals(fields, e["command"]), $"raw {raw} decodes to {Text(fields)}, the event says {Text(e["command"]!)}");
    }

    /// <summary>The host's unmap of a forwarded event (its_vlpi_unmap): DISCARD + SYNC, MAPTI back + SYNC, then the host LPI invalidated.</summary>
    public static string[] UnmapOps(bool directLpi) =>
        directLpi ? ["DISCARD", "SYNC", "MAPTI", "SYNC", "GICR_INVLPIR"] : ["DISCARD", "SYNC", "MAPTI", "SYNC", "INV", "SYNC"];

    /// <summary>An INV of the NIC's event as the guest writes it.</summary>
    public static object Inv(uint eventId) => Cmd("INV", Dev, eventId);

    /// <summary>set_forwarding's host map: DISCARD of the physical event + SYNC, VMAPTI + VSYNC.</summary>
    public static readonly string[] MapOps = ["DISCARD", "SYNC", "VMAPTI", "VSYNC"];
}
