using System.Net;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Scenarios;

/// <summary>Save, reset and restore in the style of kvm-unit-tests' its-migration, over HTTP.</summary>
public sealed class ItsMigrationScenarioTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Fact]
    public async Task SaveResetRestore_BringsBackTranslationsAndPendingState()
    {
        var (_, vm) = await _client.CreateHostAndVm(vcpus: 2);
        await _client.Commands(vm, Mapd(5), Mapc(3, 1), Mapti(5, 0, 8300, 3), Mapti(5, 7, 8301, 3));
        await _client.Post($"{vm}/msi", new { deviceId = 5, eventId = 7 });
        var devicesBefore = Text(await _client.Get($"{vm}/its/devices"));
        var collectionsBefore = Text(await _client.Get($"{vm}/its/collections"));
        var registersBefore = await _client.Get($"{vm}/its");

        await _client.Post($"{vm}/its/save", null, HttpStatusCode.NoContent);
        await _client.Post($"{vm}/its/reset", null, HttpStatusCode.NoContent);
        var reset = await _client.Get($"{vm}/its");
        Assert.Equal("0x80000000", (string)reset["ctlr"]!["value"]!);
        Assert.Empty((await _client.Get($"{vm}/its/devices"))["devices"]!.AsArray());

        // The restore order of the KVM documentation: CBASER, other registers, RESTORE_TABLES, then GITS_CTLR.
        await _client.Put($"{vm}/its/registers/GITS_CBASER", new { value = (string)registersBefore["cbaser"]!["value"]! });
        await _client.Put($"{vm}/its/registers/GITS_BASER0", new { value = (string)registersBefore["baser"]![0]!["value"]! });
        await _client.Put($"{vm}/its/registers/GITS_BASER1", new { value = (string)registersBefore["baser"]![1]!["value"]! });
        await _client.Put($"{vm}/its/registers/GITS_CREADR", new { value = (string)registersBefore["creadr"]!["value"]!, userspace = true });
        await _client.Post($"{vm}/its/restore", null, HttpStatusCode.NoContent);
        await _client.Put($"{vm}/its/registers/GITS_CTLR", new { value = 1 });

        Assert.Equal(devicesBefore, Text(await _client.Get($"{vm}/its/devices")));
        Assert.Equal(collectionsBefore, Text(await _client.Get($"{vm}/its/collections")));
        await _client.Post($"{vm}/vcpus/1/load", new { pcpu = 0 });
        Assert.Equal(8301, (int)(await _client.Ack(vm, 1))["intId"]!);
        Assert.Null((await _client.Ack(vm, 1))["intId"]);
        var msi = await _client.Post($"{vm}/msi", new { deviceId = 5, eventId = 0 });
        Assert.Equal("pending", (string)msi["outcome"]!);
    }

    [Fact]
    public async Task Restore_WithACorruptCollectionTable_IsRefusedAndChangesNothing()
    {
        var (_, vm) = await _client.CreateHostAndVm(vcpus: 2);
        await _client.Post($"{vm}/its/reset", null, HttpStatusCode.NoContent);
        await _client.Put($"{vm}/its/registers/GITS_BASER1", new { value = "0x9c07000000180607" });
        // A valid CTE whose RDBase names vCPU 9, which this VM does not have.
        await _client.Put($"{vm}/memory/0x180000", new { hex = "0300090000000080" }, HttpStatusCode.NoContent);

        var problem = await _client.Post($"{vm}/its/restore", null, HttpStatusCode.UnprocessableEntity);

        Assert.Equal("-EINVAL", (string)problem["errno"]!);
        Assert.Empty((await _client.Get($"{vm}/its/collections"))["collections"]!.AsArray());
    }
}
