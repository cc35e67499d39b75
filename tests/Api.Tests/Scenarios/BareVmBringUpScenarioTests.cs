using System.Net;
using GicService.Api.Tests.Support;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Api.Tests.Scenarios;

/// <summary>A guest driver's bring-up on a bare VM, register by register, with raw commands written to guest RAM.</summary>
public sealed class BareVmBringUpScenarioTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Fact]
    public async Task BareVm_StartsAsKvmPresentsIt_AndWorksAfterRegisterLevelSetup()
    {
        var (_, vm) = await _client.CreateHostAndVm(vcpus: 1, setup: "bare");
        var its = await _client.Get($"{vm}/its");
        Assert.Equal("0x80000000", (string)its["ctlr"]!["value"]!);
        Assert.Equal("0x1ef71", (string)its["typer"]!["value"]!);
        Assert.Equal("0x4b00043b", (string)its["iidr"]!);
        Assert.Equal("0x1907000000000600", (string)its["baser"]![0]!["value"]!);
        Assert.Equal("0x1c07000000000600", (string)its["baser"]![1]!["value"]!);
        Assert.Equal("0x580", (string)(await _client.Get($"{vm}/vcpus/0/redistributor/GICR_PROPBASER"))["value"]!);

        // Enabling before the tables are valid is ignored.
        Assert.Equal("0x80000000", (string)(await _client.Put($"{vm}/its/registers/GITS_CTLR", new { value = 1 }))["value"]!);

        await _client.Put($"{vm}/memory/0x400000", new { hex = "a3" }, HttpStatusCode.NoContent); // LPI 8192: enabled, priority 0xa0
        await _client.Put($"{vm}/vcpus/0/redistributor/GICR_PROPBASER", new { value = "0x40078f" });
        await _client.Put($"{vm}/vcpus/0/redistributor/GICR_PENDBASER", new { value = "0x500000" });
        await _client.Put($"{vm}/vcpus/0/redistributor/GICR_CTLR", new { value = 1 });
        await _client.Put($"{vm}/its/registers/GITS_CBASER", new { value = "0x8000000000010000" });
        await _client.Put($"{vm}/its/registers/GITS_BASER0", new { value = "0x8000000000200000" });
        await _client.Put($"{vm}/its/registers/GITS_BASER1", new { value = "0x8000000000300000" });
        var enabled = await _client.Put($"{vm}/its/registers/GITS_CTLR", new { value = 1 });
        Assert.Equal("0x80000001", (string)enabled["value"]!);

        var commands = new ItsCommand[]
        {
            new Mapd(new DeviceId(1), 3, 0x600000, true),
            new Mapc(new CollectionId(0), 0, true),
            new Mapti(new DeviceId(1), new EventId(2), new IntId(8192), new CollectionId(0)),
            new Int(new DeviceId(1), new EventId(2)),
        };
        var hex = string.Concat(commands.Select(c => Convert.ToHexStringLower(ItsCommandCodec.Encode(c))));
        await _client.Put($"{vm}/memory/0x10000", new { hex }, HttpStatusCode.NoContent);
        var write = await _client.Put($"{vm}/its/registers/GITS_CWRITER", new { value = "0x80" });

        Assert.Equal("0x80", (string)write["value"]!);
        Assert.All(write["processed"]!.AsArray(), r => Assert.Equal("ok", (string)r!["status"]!));
        Assert.Equal("0x80", (string)(await _client.Get($"{vm}/its/registers/GITS_CREADR"))["value"]!);
        await _client.Post($"{vm}/vcpus/0/load", new { pcpu = 3 });
        Assert.Equal(8192, (int)(await _client.Ack(vm, 0))["intId"]!);
    }

    [Fact]
    public async Task RawCommands_AreQueuedAsGiven()
    {
        var (_, vm) = await _client.CreateHostAndVm(vcpus: 1);
        var raw = Convert.ToHexStringLower(ItsCommandCodec.Encode(new Mapd(new DeviceId(4), 1, 0x700000, true)));

        var results = await _client.Commands(vm, new { raw });

        Assert.Equal("MAPD", (string)results[0]!["op"]!);
        Assert.Equal(raw, (string)results[0]!["raw"]!);
        Assert.Equal("0x700000", (string)(await _client.Get($"{vm}/its/devices/4"))["ittAddress"]!);
    }

    [Fact]
    public async Task Commands_OnABareVmWithoutAQueue_AreAConflict()
    {
        var (_, vm) = await _client.CreateHostAndVm(vcpus: 1, setup: "bare");

        var problem = await _client.Post($"{vm}/its/commands", new { commands = new[] { GicClient.Mapd(1) } }, HttpStatusCode.Conflict);

        Assert.Equal("/problems/conflict", (string)problem["type"]!);
    }
}
