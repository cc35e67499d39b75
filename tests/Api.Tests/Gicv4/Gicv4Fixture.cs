using System.Net;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Gicv4;

/// <summary>
/// A GICv4 host with one VM (two vCPUs on two pCPUs, both loaded) and a VFIO NIC of four vectors whose
/// events 0-3 the guest mapped to LPIs 8192-8195: events 0-1 on vCPU 0 (collection 0), 2-3 on vCPU 1.
/// </summary>
public sealed class Gicv4Setup
{
    private Gicv4Setup(GicClient client, string hostId, string vm, string device, string translater)
    {
        Client = client;
        HostId = hostId;
        Vm = vm;
        Device = device;
        Translater = translater;
    }

    public GicClient Client { get; }

    public string HostId { get; }

    public string Vm { get; }

    public string Device { get; }

    public string Translater { get; }

    public const uint GuestDeviceId = 8;

    public static async Task<Gicv4Setup> Create(GicClient client, string gicVersion, bool program = true, object? hostOptions = null)
    {
        var hostId = NewId("g");
        var body = new JsonObject { ["id"] = hostId, ["pcpus"] = 2, ["gicVersion"] = gicVersion };
        if (hostOptions is not null)
        {
            foreach (var (key, value) in JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(hostOptions))!.AsObject())
            {
                body[key] = value?.DeepClone();
            }
        }

        await client.Post("/api/hosts", body, HttpStatusCode.Created);
        var vmResponse = await client.Post($"/api/hosts/{hostId}/vms", new { id = "vm1", vcpus = 2 }, HttpStatusCode.Created);
        var vm = $"/api/hosts/{hostId}/vms/vm1";
        var device = await client.Post($"/api/hosts/{hostId}/vfio/devices",
            new { id = "nic", bdf = "0000:01:00.0", vectors = 4, vmId = "vm1", guestDeviceId = GuestDeviceId }, HttpStatusCode.Created);
        Assert.Equal(0x100, (int)device["hostDeviceId"]!);

        await client.Commands(vm, Mapd(GuestDeviceId, size: 1), Mapc(0, 0), Mapc(1, 1),
            Mapti(GuestDeviceId, 0, 8192, 0), Mapti(GuestDeviceId, 1, 8193, 0), Mapti(GuestDeviceId, 2, 8194, 1), Mapti(GuestDeviceId, 3, 8195, 1));
        await client.Post($"{vm}/vcpus/0/load", new { pcpu = 0 });
        await client.Post($"{vm}/vcpus/1/load", new { pcpu = 1 });

        var setup = new Gicv4Setup(client, hostId, vm, $"/api/hosts/{hostId}/vfio/devices/nic", (string)vmResponse["translaterAddress"]!);
        if (program)
        {
            for (var v = 0; v < 4; v++)
            {
                var vector = await setup.Program(v);
                Assert.Equal("vlpi", (string)vector["forwarding"]!);
            }
        }

        return setup;
    }

    public Task<JsonNode> Program(int vector, bool masked = false) =>
        Client.Put($"{Device}/msix/{vector}", new { address = Translater, data = vector, masked });

    public Task<JsonNode> Trigger(int vector) => Client.Post($"{Device}/msix/{vector}/trigger");

    public Task<JsonNode> Vcpu(int vcpu) => Client.Get($"{Vm}/vcpus/{vcpu}");

    public async Task<int?> Ack(int vcpu) => (int?)(await Client.Ack(Vm, vcpu))["intId"];

    public async Task<long> Mark() => await Client.LastSeq(HostId);

    /// <summary>The events after <paramref name="after"/>.</summary>
    public async Task<List<JsonNode>> EventsAfter(long after) =>
        (await Client.Get($"/api/hosts/{HostId}/events?after={after}&limit=10000"))["events"]!.AsArray().Select(e => e!).ToList();

    /// <summary>The host ITS commands and redistributor writes after <paramref name="after"/>, as "OP" strings in order.</summary>
    public async Task<List<string>> HostOpsAfter(long after) =>
        (await EventsAfter(after))
            .Where(e => (string)e["type"]! is "HostItsCommand" or "HostRedistributorOp")
            .Select(e => (string)e["type"]! == "HostItsCommand" ? (string)e["op"]! : "GICR_" + (string)e["op"]!)
            .ToList();
}
