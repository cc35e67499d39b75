using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Gicv4;

/// <summary>The walkthrough of docs/walkthrough-gicv4.md, run step by step on a v4.0 and a v4.1 host.</summary>
public sealed class Gicv4WalkthroughTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Theory]
    [InlineData("v4.0")]
    [InlineData("v4.1")]
    public async Task Walkthrough_DoorbellMoviDiscardMaptiAndReprogram_TakeTheirKvmPaths(string gicVersion)
    {
        var g = await Gicv4Setup.Create(_client, gicVersion);
        var forwardings = (await _client.Get($"{g.Vm}/forwardings")).AsArray();
        Assert.Equal(4, forwardings.Count);
        Assert.All(forwardings, f => Assert.Equal("vlpi", (string)f!["mode"]!));

        // vCPU 1 executes WFI: put with the doorbell armed.
        await _client.Post($"{g.Vm}/vcpus/1/block");
        var blocked = await g.Vcpu(1);
        Assert.Equal("blocked", (string)blocked["state"]!);
        Assert.True((bool)blocked["doorbellArmed"]!);
        Assert.False((bool)blocked["resident"]!);

        // Its NIC interrupt parks in the VPT and rings the doorbell.
        var parked = await g.Trigger(2);
        Assert.Equal("vlpi", (string)parked["path"]!);
        Assert.Equal("pending", (string)parked["outcome"]!);
        Assert.True((bool)parked["doorbell"]!);
        var woken = await g.Vcpu(1);
        Assert.True((bool)woken["pendingLast"]!);
        Assert.Contains(woken["pending"]!.AsArray(), p => (int)p!["intId"]! == 8194 && (string)p["source"]! == "vlpi");

        // Unblock: resident again on pCPU 1, and the guest takes the VLPI.
        await _client.Post($"{g.Vm}/vcpus/1/unblock");
        Assert.True((bool)(await g.Vcpu(1))["resident"]!);
        var ack = await _client.Ack(g.Vm, 1);
        Assert.Equal(8194, (int)ack["intId"]!);
        Assert.Equal("vlpi", (string)ack["source"]!);

        // A resident vCPU gets its VLPI delivered directly.
        var direct = await g.Trigger(0);
        Assert.Equal("delivered", (string)direct["outcome"]!);
        Assert.Equal(8192, await g.Ack(0));

        // MOVI moves vector 2 to vCPU 0: the host gets a VMOVI.
        var mark = await g.Mark();
        await _client.Commands(g.Vm, new { op = "MOVI", deviceId = Gicv4Setup.GuestDeviceId, eventId = 2, collectionId = 0 });
        Assert.Equal(["VMOVI", "VSYNC"], await g.HostOpsAfter(mark));
        Assert.Equal(0, (int)(await g.Trigger(2))["vcpu"]!);
        Assert.Equal(8194, await g.Ack(0));

        // DISCARD and MAPTI of event 3: the VLPI is unmapped and device MSIs fall back to software.
        mark = await g.Mark();
        await _client.Commands(g.Vm, Cmd("DISCARD", Gicv4Setup.GuestDeviceId, 3), Mapti(Gicv4Setup.GuestDeviceId, 3, 8195, 1));
        var unmap = await g.HostOpsAfter(mark);
        Assert.Equal("DISCARD", unmap[0]);
        Assert.Contains("MAPTI", unmap);
        var software = await g.Trigger(3);
        Assert.Equal("software", (string)software["path"]!);
        Assert.Equal("pending", (string)software["outcome"]!);
        var lpiAck = await _client.Ack(g.Vm, 1);
        Assert.Equal(8195, (int)lpiAck["intId"]!);
        Assert.Equal("lpi", (string)lpiAck["source"]!);

        // The guest reprograms the vector: the VMM re-arms it and forwarding is restored.
        Assert.Equal("vlpi", (string)(await g.Program(3))["forwarding"]!);
        var again = await g.Trigger(3);
        Assert.Equal("vlpi", (string)again["path"]!);
        Assert.Equal("delivered", (string)again["outcome"]!);
        Assert.Equal(8195, await g.Ack(1));
        Assert.Null(await g.Ack(1));
    }
}
