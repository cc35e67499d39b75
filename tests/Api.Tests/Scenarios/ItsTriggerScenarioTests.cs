using System.Net;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Scenarios;

/// <summary>End-to-end scenarios in the style of kvm-unit-tests' its-trigger, over HTTP.</summary>
public sealed class ItsTriggerScenarioTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    private async Task<(string HostId, string Vm)> MappedVm()
    {
        var (hostId, vm) = await _client.CreateHostAndVm(vcpus: 2);
        var results = await _client.Commands(vm, Mapd(2), Mapc(0, 0), Mapc(1, 1), Mapti(2, 20, 8195, 1), Mapti(2, 21, 8196, 0));
        Assert.All(results, r => Assert.Equal("ok", Status(r!)));
        await _client.Post($"{vm}/vcpus/0/load", new { pcpu = 0 });
        await _client.Post($"{vm}/vcpus/1/load", new { pcpu = 1 });
        return (hostId, vm);
    }

    [Fact]
    public async Task Int_IsAcknowledgedExactlyOnce_ByItsTargetVcpu()
    {
        var (_, vm) = await MappedVm();

        var results = await _client.Commands(vm, Cmd("INT", 2, 20));

        Assert.Equal("ok", Status(results[0]!));
        Assert.Null((await _client.Ack(vm, 0))["intId"]);
        var ack = await _client.Ack(vm, 1);
        Assert.Equal(8195, (int)ack["intId"]!);
        Assert.Equal("lpi", (string)ack["source"]!);
        Assert.Null((await _client.Ack(vm, 1))["intId"]);
    }

    [Fact]
    public async Task Msi_FollowsTheSamePathAsInt_AndReportsItsTarget()
    {
        var (_, vm) = await MappedVm();

        var msi = await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 21 });

        Assert.Equal("pending", (string)msi["outcome"]!);
        Assert.Equal(8196, (int)msi["intId"]!);
        Assert.Equal(0, (int)msi["vcpu"]!);
        Assert.Equal(8196, (int)(await _client.Ack(vm, 0))["intId"]!);
    }

    [Fact]
    public async Task DisabledLpi_StaysLatched_UntilEnabledAndInvalidated()
    {
        var (_, vm) = await MappedVm();
        await _client.Put($"{vm}/lpis/8195/config", new { enabled = false, priority = 0xa0 }, HttpStatusCode.NoContent);
        await _client.Commands(vm, Cmd("INV", 2, 20));

        await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 20 });
        Assert.Null((await _client.Ack(vm, 1))["intId"]);
        var state = await _client.Get($"{vm}/vcpus/1");
        Assert.False((bool)state["pending"]![0]!["enabled"]!);

        await _client.Put($"{vm}/lpis/8195/config", new { enabled = true, priority = 0xa0 }, HttpStatusCode.NoContent);
        Assert.Null((await _client.Ack(vm, 1))["intId"]); // invisible to KVM until INV
        await _client.Commands(vm, Cmd("INV", 2, 20));
        Assert.Equal(8195, (int)(await _client.Ack(vm, 1))["intId"]!);
    }

    [Fact]
    public async Task Invall_RereadsEveryLpiOfTheCollectionsVcpu()
    {
        var (_, vm) = await MappedVm();
        await _client.Put($"{vm}/lpis/8195/config", new { enabled = false, priority = 0xa0 }, HttpStatusCode.NoContent);
        await _client.Commands(vm, new { op = "INVALL", collectionId = 1 });
        await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 20 });
        Assert.Null((await _client.Ack(vm, 1))["intId"]);

        await _client.Put($"{vm}/lpis/8195/config", new { enabled = true, priority = 0x10 }, HttpStatusCode.NoContent);
        var results = await _client.Commands(vm, new { op = "INVALL", collectionId = 1 });

        Assert.Equal("ok", Status(results[0]!));
        var lpis = await _client.Get($"{vm}/lpis");
        Assert.Contains(lpis["lpis"]!.AsArray(), l => (int)l!["intId"]! == 8195 && (string)l["priority"]! == "0x10");
        Assert.Equal(8195, (int)(await _client.Ack(vm, 1))["intId"]!);
    }

    [Fact]
    public async Task Movi_MovesTheInterruptToTheNewCollectionsVcpu()
    {
        var (_, vm) = await MappedVm();

        var results = await _client.Commands(vm, new { op = "MOVI", deviceId = 2, eventId = 20, collectionId = 0 });
        await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 20 });

        Assert.Equal("ok", Status(results[0]!));
        Assert.Null((await _client.Ack(vm, 1))["intId"]);
        Assert.Equal(8195, (int)(await _client.Ack(vm, 0))["intId"]!);
        Assert.Equal(0, (int)(await _client.Get($"{vm}/its/translate?deviceId=2&eventId=20"))["vcpu"]!);
    }

    [Fact]
    public async Task Movall_RetargetsEveryLpiOfTheVm_ButNotTheCollections()
    {
        var (_, vm) = await MappedVm();
        await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 21 }); // pending on vCPU 0

        var results = await _client.Commands(vm, new { op = "MOVALL", rdBase = 0, rdBase2 = 1 });

        Assert.Equal("ok", Status(results[0]!));
        Assert.Null((await _client.Ack(vm, 0))["intId"]);
        Assert.Equal(8196, (int)(await _client.Ack(vm, 1))["intId"]!);
        var collections = await _client.Get($"{vm}/its/collections");
        Assert.Contains(collections["collections"]!.AsArray(), c => (int)c!["collectionId"]! == 0 && (int)c["rdBase"]! == 0);
    }

    [Fact]
    public async Task Discard_RemovesTheTranslation_SoLaterMsisAreDropped()
    {
        var (hostId, vm) = await MappedVm();

        var results = await _client.Commands(vm, Cmd("DISCARD", 2, 20));
        var msi = await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 20 });

        Assert.Equal("ok", Status(results[0]!));
        Assert.Equal("dropped", (string)msi["outcome"]!);
        Assert.Equal("0x010307", (string)msi["itsError"]!["code"]!);
        var translate = await _client.Get($"{vm}/its/translate?deviceId=2&eventId=20", HttpStatusCode.NotFound);
        Assert.Equal("INT_UNMAPPED_INTERRUPT", (string)translate["itsError"]!["name"]!);
        var events = await _client.Get($"/api/hosts/{hostId}/events?after=0&limit=10000");
        Assert.Contains(events["events"]!.AsArray(), e => (string)e!["type"]! == "MsiDropped" && (int)e["eventId"]! == 20);
    }

    [Fact]
    public async Task MapdInvalid_DropsEveryIteOfTheDevice_AndItsPendingState()
    {
        var (hostId, vm) = await MappedVm();
        await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 20 });

        var results = await _client.Commands(vm, Mapd(2, valid: false));

        Assert.Equal("ok", Status(results[0]!));
        await _client.Get($"{vm}/its/devices/2", HttpStatusCode.NotFound);
        Assert.Null((await _client.Ack(vm, 1))["intId"]);
        var events = await _client.Get($"/api/hosts/{hostId}/events?after=0&limit=10000");
        Assert.Contains(events["events"]!.AsArray(), e => (string)e!["type"]! == "PendingDropped" && (int)e["intId"]! == 8195);
        Assert.Equal("0000000000000000", (string)(await _client.Get($"{vm}/memory/0x100010?length=8"))["hex"]!); // DTE cleared
    }

    [Fact]
    public async Task ArchitectedErrors_AreReported_AndTheQueueGoesOn()
    {
        var (hostId, vm) = await MappedVm();
        var before = await _client.Get($"{vm}/its/devices");

        var response = await _client.Post($"{vm}/its/commands", new
        {
            commands = new object[] { Cmd("INT", 7, 0), Mapti(9, 0, 8200, 0), Mapd(3, size: 16), new { op = "SYNC", rdBase = 0 } },
        });

        var results = response["results"]!.AsArray();
        Assert.Equal(["INT_UNMAPPED_INTERRUPT", "MAPTI_UNMAPPED_DEVICE", "MAPD_ITTSIZE_OOR", null], results.Select(r => ErrorName(r!)));
        Assert.Equal("ok", Status(results[3]!));
        Assert.Equal(Text(before), Text(await _client.Get($"{vm}/its/devices")));
        var its = await _client.Get($"{vm}/its");
        Assert.True((bool)its["ctlr"]!["quiescent"]!);
        var events = await _client.Get($"/api/hosts/{hostId}/events?after=0&limit=10000");
        Assert.Equal(3, events["events"]!.AsArray().Count(e => (string)e!["type"]! == "ItsCommandError"));
    }
}
