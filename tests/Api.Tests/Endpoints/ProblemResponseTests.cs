using System.Net;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Endpoints;

/// <summary>Bad input gets an RFC 9457 problem with a stable type, never a 500, and changes nothing.</summary>
public sealed class ProblemResponseTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    private async Task AssertNothingChanged(string hostId, string vm, Func<Task> request)
    {
        var seq = await _client.LastSeq(hostId);
        var its = Text(await _client.Get($"{vm}/its"));
        var devices = Text(await _client.Get($"{vm}/its/devices"));
        await request();
        Assert.Equal(seq, await _client.LastSeq(hostId));
        Assert.Equal(its, Text(await _client.Get($"{vm}/its")));
        Assert.Equal(devices, Text(await _client.Get($"{vm}/its/devices")));
    }

    [Theory]
    [InlineData("{\"commands\":[{\"op\":\"MAPX\",\"deviceId\":1}]}", "commands[0].op")]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":1,\"size\":32,\"valid\":true}]}", "commands[0].size")]
    [InlineData("{\"commands\":[{\"op\":\"MAPC\",\"collectionId\":65536,\"rdBase\":0,\"valid\":true}]}", "commands[0].collectionId")]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":1,\"size\":1,\"valid\":true,\"ittAddress\":\"0x1001\"}]}", "commands[0].ittAddress")]
    [InlineData("{\"commands\":[{\"op\":\"INT\",\"deviceId\":1}]}", "commands[0].eventId")]
    [InlineData("{\"commands\":[{\"op\":\"INT\",\"deviceId\":1,\"eventId\":2,\"intId\":3}]}", "commands[0].intId")]
    [InlineData("{\"commands\":[{\"raw\":\"00\"}]}", "commands[0].raw")]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":1,\"size\":1,\"valid\":true},{\"op\":\"MOVALL\",\"rdBase\":\"0x1000000000\",\"rdBase2\":0}]}", "commands[1].rdBase")]
    [InlineData("{\"commands\":[]}", "commands")]
    public async Task Commands_AreRejectedWholeWithAFieldError_WhenMalformed(string body, string field)
    {
        var (hostId, vm) = await _client.CreateHostAndVm();

        await AssertNothingChanged(hostId, vm, async () =>
        {
            var problem = await _client.Post($"{vm}/its/commands", body, HttpStatusCode.BadRequest);
            Assert.Equal("/problems/validation", (string)problem["type"]!);
            Assert.NotNull(problem["errors"]![field]);
        });
    }

    [Theory]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":-1,\"size\":1,\"valid\":true}]}")]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":4294967296,\"size\":1,\"valid\":true}]}")]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":\"1\",\"size\":1,\"valid\":true}]}")]
    [InlineData("{\"commands\":[{\"op\":\"MAPD\",\"deviceId\":1,\"size\":1,\"valid\":true,\"colour\":\"red\"}]}")]
    [InlineData("{\"commands\":")]
    [InlineData("not json")]
    public async Task Commands_AreMalformedRequests_WhenTheJsonDoesNotBind(string body)
    {
        var (hostId, vm) = await _client.CreateHostAndVm();

        await AssertNothingChanged(hostId, vm, async () =>
        {
            var problem = await _client.Post($"{vm}/its/commands", body, HttpStatusCode.BadRequest);
            Assert.Equal("/problems/malformed-request", (string)problem["type"]!);
        });
    }

    [Fact]
    public async Task OutOfRangeValuesThatFitTheirField_AreQueuedAndGetTheirArchitectedError()
    {
        var (_, vm) = await _client.CreateHostAndVm();

        var results = await _client.Commands(vm, Mapd(0x10000), Mapc(0, 7), Mapd(1), Mapti(1, 0, 100, 0));

        Assert.Equal(["MAPD_DEVICE_OOR", "MAPC_PROCNUM_OOR", null, "MAPTI_PHYSICALID_OOR"], results.Select(r => ErrorName(r!)));
        Assert.Equal("0x010801", (string)results[0]!["itsError"]!["code"]!);
    }

    [Fact]
    public async Task UnknownHostVmAndRoute_AreNotFoundProblems()
    {
        var (hostId, _) = await _client.CreateHostAndVm();

        Assert.Equal("/problems/host-not-found", (string)(await _client.Get("/api/hosts/nope/vms/vm1/its", HttpStatusCode.NotFound))["type"]!);
        Assert.Equal("/problems/not-found", (string)(await _client.Get($"/api/hosts/{hostId}/vms/nope/its", HttpStatusCode.NotFound))["type"]!);
        Assert.Equal("/problems/not-found", (string)(await _client.Get($"/api/hosts/{hostId}/vms/vm1/vcpus/9", HttpStatusCode.NotFound))["type"]!);
        Assert.Equal("/problems/route-not-found", (string)(await _client.Get("/api/nothing-here", HttpStatusCode.NotFound))["type"]!);
        Assert.Equal("/problems/not-found", (string)(await _client.Get($"/api/hosts/{hostId}/vms/vm1/its/registers/GITS_FOO", HttpStatusCode.NotFound))["type"]!);
    }

    [Fact]
    public async Task Scheduling_ConflictsAreReportedAndChangeNothing()
    {
        var (hostId, vm) = await _client.CreateHostAndVm(vcpus: 2, pcpus: 2);
        await _client.Post($"{vm}/vcpus/0/load", new { pcpu = 1 });

        await AssertNothingChanged(hostId, vm, async () =>
        {
            Assert.Equal("/problems/conflict", (string)(await _client.Post($"{vm}/vcpus/1/load", new { pcpu = 1 }, HttpStatusCode.Conflict))["type"]!);
            await _client.Post($"{vm}/vcpus/1/ack", null, HttpStatusCode.Conflict);
            await _client.Post($"{vm}/vcpus/1/put", null, HttpStatusCode.Conflict);
            await _client.Post($"{vm}/vcpus/1/unblock", null, HttpStatusCode.Conflict);
            await _client.Post($"{vm}/vcpus/1/load", new { pcpu = 5 }, HttpStatusCode.NotFound);
            await _client.Post($"{vm}/vcpus/1/load", new { }, HttpStatusCode.BadRequest);
        });
    }

    [Fact]
    public async Task HostAndVmCreation_ValidateEveryField()
    {
        var bad = await _client.Post("/api/hosts", new { pcpus = 0, gicVersion = "v3" }, HttpStatusCode.BadRequest);
        Assert.NotNull(bad["errors"]!["pcpus"]);
        Assert.NotNull(bad["errors"]!["gicVersion"]);
        await _client.Post("/api/hosts", new { id = "has space", pcpus = 1 }, HttpStatusCode.BadRequest);

        var (hostId, _) = await _client.CreateHostAndVm();
        await _client.Post("/api/hosts", new { id = hostId, pcpus = 1 }, HttpStatusCode.Conflict);
        await _client.Post($"/api/hosts/{hostId}/vms", new { id = "vm1", vcpus = 1 }, HttpStatusCode.Conflict);
        await _client.Post($"/api/hosts/{hostId}/vms", new { vcpus = 513 }, HttpStatusCode.UnprocessableEntity);
        await _client.Post($"/api/hosts/{hostId}/vms", new { vcpus = 64, memoryMiB = 4 }, HttpStatusCode.UnprocessableEntity);
        await _client.Post($"/api/hosts/{hostId}/vms", new { vcpus = 1, setup = "cooked" }, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task RegistersAndMemory_ValidateTheirInput()
    {
        var (hostId, vm) = await _client.CreateHostAndVm();

        await AssertNothingChanged(hostId, vm, async () =>
        {
            await _client.Put($"{vm}/its/registers/GITS_CTLR", new { value = "0x100000000" }, HttpStatusCode.BadRequest);
            await _client.Put($"{vm}/its/registers/GITS_CTLR", new { value = "12" }, HttpStatusCode.BadRequest);
            await _client.Put($"{vm}/its/registers/GITS_CBASER", new { value = 1, width = 16 }, HttpStatusCode.BadRequest);
            await _client.Put($"{vm}/memory/0x10000000", new { hex = "00" }, HttpStatusCode.UnprocessableEntity);
            await _client.Put($"{vm}/memory/zz", new { hex = "00" }, HttpStatusCode.BadRequest);
            await _client.Put($"{vm}/memory/0", new { hex = "abc" }, HttpStatusCode.BadRequest);
            await _client.Get($"{vm}/memory/0?length=0", HttpStatusCode.BadRequest);
            await _client.Put($"{vm}/lpis/100/config", new { enabled = true, priority = 0 }, HttpStatusCode.BadRequest);
            await _client.Put($"{vm}/its/registers/GITS_CREADR", new { value = 0, userspace = true }, HttpStatusCode.Conflict);
        });
    }
}
