using System.Net;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Gicv4.Gicv4Steps;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Gicv4;

/// <summary>Refused VFIO and forwarding requests: the status and problem type, and nothing changed (state and lastSeq).</summary>
public sealed class Gicv4ErrorTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    /// <summary>Runs the refused request and asserts the problem type and that every GICv4 read and lastSeq are unchanged.</summary>
    private static async Task<JsonNode> Refused(Gicv4Setup g, string type, Func<Task<JsonNode>> request)
    {
        var before = await g.StateText();
        var problem = await request();
        Assert.Equal(type, (string)problem["type"]!);
        Assert.True(type == "/problems/validation" ? problem["errors"] is JsonObject { Count: > 0 } : !string.IsNullOrWhiteSpace((string?)problem["detail"]),
            Text(problem));
        Assert.Equal(before, await g.StateText());
        return problem;
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task VfioRoutes_Answer404AndChangeNothing_WhenTheDeviceOrVectorIsUnknown(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var devices = $"/api/hosts/{g.HostId}/vfio/devices";

        await Refused(g, "/problems/not-found", () => _client.Post($"{devices}/nope/msix/0/trigger", expected: HttpStatusCode.NotFound));
        await Refused(g, "/problems/not-found", () => _client.Post($"{g.Device}/msix/4/trigger", expected: HttpStatusCode.NotFound));
        await Refused(g, "/problems/not-found",
            () => _client.Put($"{g.Device}/msix/9", new { address = g.Translater, data = 0, masked = false }, HttpStatusCode.NotFound));
        await Refused(g, "/problems/not-found",
            () => _client.Put($"{devices}/nope/msix/0", new { address = g.Translater, data = 0, masked = false }, HttpStatusCode.NotFound));
        await Refused(g, "/problems/not-found", () => _client.Get($"{devices}/nope", HttpStatusCode.NotFound));
    }

    [Theory]
    [InlineData("v4.0", "01:00.0")]
    [InlineData("v4.1", "0000:01:20.0")]
    [InlineData("v4.0", "0000:01:00.8")]
    [InlineData("v4.1", "0000:0g:00.0")]
    public async Task AssignVfioDevice_Answers400AndChangesNothing_WhenTheBdfIsMalformed(string version, string bdf)
    {
        var g = await Gicv4Setup.Create(_client, version);

        var problem = await Refused(g, "/problems/validation", () => _client.Post($"/api/hosts/{g.HostId}/vfio/devices",
            new { id = "nic2", bdf, vectors = 2, vmId = "vm1", guestDeviceId = 9 }, HttpStatusCode.BadRequest));

        Assert.NotNull(problem["errors"]!["bdf"]);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task AssignVfioDevice_Answers409AndChangesNothing_WhenTheBdfIsAlreadyAssigned(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);

        await Refused(g, "/problems/conflict", () => _client.Post($"/api/hosts/{g.HostId}/vfio/devices",
            new { id = "nic2", bdf = "0000:01:00.0", vectors = 2, vmId = "vm1", guestDeviceId = 9 }, HttpStatusCode.Conflict));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_Answers409WithEbusyAndChangesNothing_WhenTheHostIrqIsAlreadyPaired(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var irq0 = await g.HostIrq(0);

        // The irq-bypass manager pairs one producer with one consumer: the second connection is -EBUSY, even for another route.
        foreach (var data in new[] { 0, 1 })
        {
            var problem = await Refused(g, "/problems/conflict", () => _client.Post($"{g.Vm}/forwardings",
                new { hostIrq = irq0, route = new { address = g.Translater, data, deviceId = Dev } }, HttpStatusCode.Conflict));
            Assert.Equal("-EBUSY", (string)problem["errno"]!);
        }
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task ForwardingsRoutes_Answer404Or400AndChangeNothing_WhenTheHostIrqIsUnknownOrTheBodyIncomplete(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        var route = new { address = g.Translater, data = 0, deviceId = Dev };
        var irq0 = await g.HostIrq(0);

        await Refused(g, "/problems/not-found", () => _client.Post($"{g.Vm}/forwardings", new { hostIrq = 9999, route }, HttpStatusCode.NotFound));
        await Refused(g, "/problems/not-found",
            () => _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq0}", expected: HttpStatusCode.NotFound));
        await Refused(g, "/problems/not-found",
            () => _client.Post($"/api/hosts/{g.HostId}/vms/nope/forwardings", new { hostIrq = 64, route }, HttpStatusCode.NotFound));
        await Refused(g, "/problems/validation", () => _client.Post($"{g.Vm}/forwardings", new { route }, HttpStatusCode.BadRequest));
        await Refused(g, "/problems/validation",
            () => _client.Post($"{g.Vm}/forwardings", new { hostIrq = 64, route = new { data = 0 } }, HttpStatusCode.BadRequest));
    }
}
