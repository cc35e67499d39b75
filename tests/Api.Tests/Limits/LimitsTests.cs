using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.SignalR;

namespace GicService.Api.Tests.Limits;

/// <summary>A service with small limits: each one, when exceeded, answers a problem naming it and changes nothing.</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private readonly KestrelGicServiceFactory _factory = KestrelGicServiceFactory.WithSettings(new Dictionary<string, string?>
    {
        ["Limits:PcpusPerHost"] = "8",
        ["Limits:VmsPerHost"] = "2",
        ["Limits:VcpusPerVm"] = "4",
        ["Limits:VfioDevicesPerHost"] = "1",
        ["Limits:VectorsPerDevice"] = "8",
        ["Limits:GuestMemoryBytesPerVm"] = "16384",
        ["Limits:CommandsPerRequest"] = "4",
        ["Limits:RequestBodyBytes"] = "4096",
        ["Limits:TraceBodyBytes"] = "2048",
        ["Limits:HubSubscriptionsPerConnection"] = "1",
    });

    private GicClient _client = null!;
    private string _hostId = null!;
    private string _vm = null!;

    public async Task InitializeAsync()
    {
        _client = new GicClient(_factory.CreateClient());
        (_hostId, _vm) = await _client.CreateHostAndVm(vcpus: 2, setup: "bare", pcpus: 4);
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task AHost_ShowsTheLimitsItWasCreatedWith()
    {
        var limits = (await _client.Get($"/api/hosts/{_hostId}"))["limits"]!;
        Assert.Equal(2, (int)limits["vms"]!);
        Assert.Equal(4, (int)limits["vcpusPerVm"]!);
        Assert.Equal(1, (int)limits["vfioDevices"]!);
        Assert.Equal(8, (int)limits["vectorsPerDevice"]!);
        Assert.Equal(16384, (long)limits["guestMemoryBytesPerVm"]!);
    }

    [Fact]
    public async Task PcpusBeyondTheLimit_AreRefused_AndNoHostIsCreated()
    {
        var hosts = await HostIds();
        var problem = await _client.Post("/api/hosts", new { id = "h-big", pcpus = 9 }, HttpStatusCode.UnprocessableEntity);
        AssertLimit(problem, "Limits:PcpusPerHost");
        Assert.Equal(hosts, await HostIds());
    }

    [Fact]
    public async Task VmsAndVcpusBeyondTheLimits_AreRefused_AndChangeNothing()
    {
        await AssertUnchanged(async () =>
        {
            AssertLimit(await _client.Post($"/api/hosts/{_hostId}/vms", new { vcpus = 5, setup = "bare" }, HttpStatusCode.UnprocessableEntity),
                "Limits:VcpusPerVm");
        });

        await _client.Post($"/api/hosts/{_hostId}/vms", new { vcpus = 4, setup = "bare" }, HttpStatusCode.Created);
        await AssertUnchanged(async () =>
        {
            AssertLimit(await _client.Post($"/api/hosts/{_hostId}/vms", new { vcpus = 1, setup = "bare" }, HttpStatusCode.UnprocessableEntity),
                "Limits:VmsPerHost");
        });
    }

    [Fact]
    public async Task VfioDevicesAndVectorsBeyondTheLimits_AreRefused_AndChangeNothing()
    {
        var vmId = _vm.Split('/')[^1];
        await AssertUnchanged(async () =>
        {
            AssertLimit(await _client.Post($"/api/hosts/{_hostId}/vfio/devices",
                new { bdf = "0000:01:00.0", vectors = 9, vmId, guestDeviceId = 1 }, HttpStatusCode.UnprocessableEntity), "Limits:VectorsPerDevice");
        });

        await _client.Post($"/api/hosts/{_hostId}/vfio/devices", new { bdf = "0000:01:00.0", vectors = 8, vmId, guestDeviceId = 1 }, HttpStatusCode.Created);
        await AssertUnchanged(async () =>
        {
            AssertLimit(await _client.Post($"/api/hosts/{_hostId}/vfio/devices",
                new { bdf = "0000:02:00.0", vectors = 1, vmId, guestDeviceId = 2 }, HttpStatusCode.UnprocessableEntity), "Limits:VfioDevicesPerHost");
        });
    }

    [Fact]
    public async Task GuestMemoryWrittenBeyondTheLimit_IsRefused_AndTheMemoryIsAsBefore()
    {
        // Four pages may hold data; writes within pages already written cost nothing more, one reaching a fifth is refused whole.
        for (var page = 0; page < 4; page++)
        {
            await _client.Send(HttpMethod.Put, $"{_vm}/memory/0x{page * 4096:x}", new { hex = "aa" }, HttpStatusCode.NoContent);
        }

        await _client.Send(HttpMethod.Put, $"{_vm}/memory/0x10", new { hex = "bbbb" }, HttpStatusCode.NoContent);
        await AssertUnchanged(async () =>
        {
            var problem = await _client.Send(HttpMethod.Put, $"{_vm}/memory/0x3fff", new { hex = "cccccc" }, HttpStatusCode.UnprocessableEntity);
            AssertLimit(problem, "Limits:GuestMemoryBytesPerVm");
        });

        var read = await _client.Get($"{_vm}/memory/0x3ffe?length=4");
        Assert.Equal("00000000", ((string)read["hex"]!).ToLowerInvariant()); // not even the bytes within page 3 were written
    }

    [Fact]
    public async Task MoreCommandsThanTheLimit_AreRefused_AndNoneIsProcessed()
    {
        await AssertUnchanged(async () =>
        {
            var commands = Enumerable.Range(0, 5).Select(_ => GicClient.Cmd("INT", 1, 0)).ToArray();
            AssertLimit(await _client.Post($"{_vm}/its/commands", new { commands }, HttpStatusCode.UnprocessableEntity), "Limits:CommandsPerRequest");
        });
    }

    [Fact]
    public async Task ABodyLargerThanTheLimit_Gets413Problem_AndChangesNothing()
    {
        using var http = _factory.CreateClient();
        await AssertUnchanged(async () =>
        {
            var hex = new string('a', 8192);
            using var response = await http.PutAsync($"{_vm}/memory/0x0", new StringContent($"{{\"hex\":\"{hex}\"}}", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
            Assert.Equal("/problems/payload-too-large", (string?)problem!["type"]);
            Assert.Equal("Limits:RequestBodyBytes", (string?)problem["limit"]);
        });
    }

    [Fact]
    public async Task ATraceLargerThanItsLimit_Gets413Problem_NamingTheTraceLimit_AndNoHostIsMade()
    {
        using var http = _factory.CreateClient();
        var hosts = await HostIds();
        using var response = await http.PostAsync("/api/hosts/replay?id=h-trace",
            new StringContent($"{{\"padding\":\"{new string('a', 3000)}\"}}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("/problems/payload-too-large", (string?)problem!["type"]);
        Assert.Equal("Limits:TraceBodyBytes", (string?)problem["limit"]);
        Assert.Equal(hosts, await HostIds());
    }

    [Fact]
    public async Task ASecondHubSubscriptionOnOneConnection_IsRefusedWithAHubError()
    {
        var (other, _) = await _client.CreateHostAndVm(vcpus: 1, setup: "bare", pcpus: 2);
        await using var subscriber = await HubSubscriber.Connect(_factory.BaseAddress);
        await subscriber.Subscribe(_hostId, 0);
        var refused = await Assert.ThrowsAsync<HubException>(() => subscriber.Subscribe(other, 0));
        Assert.Contains("Limits:HubSubscriptionsPerConnection", refused.Message);

        await subscriber.Subscribe(_hostId, 0); // subscribing again to the same host replaces, and is not a second one
    }

    private static void AssertLimit(JsonNode problem, string limit)
    {
        Assert.Equal("/problems/limit-exceeded", (string?)problem["type"]);
        Assert.Equal(422, (int?)problem["status"]);
        Assert.Equal(limit, (string?)problem["limit"]);
    }

    /// <summary>Runs <paramref name="refused"/> and checks the host's state and event log are as before it.</summary>
    private async Task AssertUnchanged(Func<Task> refused)
    {
        var before = await Snapshot();
        await refused();
        Assert.Equal(before, await Snapshot());
    }

    private async Task<string> Snapshot()
    {
        var host = await _client.Get($"/api/hosts/{_hostId}");
        var vms = await _client.Get($"/api/hosts/{_hostId}/vms");
        var devices = await _client.Get($"/api/hosts/{_hostId}/vfio/devices");
        var its = await _client.Get($"{_vm}/its");
        return string.Join('\n', GicClient.Text(host), GicClient.Text(vms), GicClient.Text(devices), GicClient.Text(its), await _client.LastSeq(_hostId));
    }

    private async Task<List<string>> HostIds() =>
        (await _client.Get("/api/hosts"))["hosts"]!.AsArray().Select(h => (string)h!["id"]!).ToList();
}
