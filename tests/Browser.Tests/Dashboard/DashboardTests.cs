using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GicService.Browser.Tests.Dashboard;

/// <summary>The dashboard at <c>/</c> in Debian's Chromium, while the test drives the service over HTTP.</summary>
public sealed class DashboardTests(DashboardServiceFactory service, ChromiumFixture chromium)
    : IClassFixture<DashboardServiceFactory>, IClassFixture<ChromiumFixture>
{
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 10_000 };

    private readonly HttpClient _http = new() { BaseAddress = service.BaseAddress };

    [Fact]
    public async Task Dashboard_ShowsAHostCreatedOverHttp_AndAnMsiFiredOverHttpInItsFeed()
    {
        var hostId = $"web-{Guid.NewGuid():N}"[..12];
        await Post("/api/hosts", new { id = hostId, pcpus = 4, gicVersion = "v4.1" });
        var vm1 = await Post($"/api/hosts/{hostId}/vms", new { id = "vm1", vcpus = 4 });
        await Post($"/api/hosts/{hostId}/vms", new { id = "vm2", vcpus = 2 });
        // A NIC with four MSI-X vectors on guest device 8, events 0-3 -> LPIs 8192-8195 on vCPU 1.
        await Post($"/api/hosts/{hostId}/vfio/devices", new { id = "nic", bdf = "0000:01:00.0", vectors = 4, vmId = "vm1", guestDeviceId = 8 });
        await Post($"/api/hosts/{hostId}/vms/vm1/its/commands", new
        {
            commands = new object[]
            {
                new { op = "MAPD", deviceId = 8, size = 4, valid = true },
                new { op = "MAPC", collectionId = 0, rdBase = 1, valid = true },
                new { op = "MAPTI", deviceId = 8, eventId = 0, intId = 8192, collectionId = 0 },
                new { op = "MAPTI", deviceId = 8, eventId = 1, intId = 8193, collectionId = 0 },
                new { op = "MAPTI", deviceId = 8, eventId = 3, intId = 8195, collectionId = 0 },
                new { op = "INT", deviceId = 9, eventId = 0 }, // an error, for the feed
            },
        });
        foreach (var vector in new[] { 0, 1 })
        {
            await Put($"/api/hosts/{hostId}/vfio/devices/nic/msix/{vector}", new { address = (string)vm1["translaterAddress"]!, data = vector, masked = false });
        }

        await Post($"/api/hosts/{hostId}/vms/vm1/vcpus/0/load", new { pcpu = 0 });
        await Post($"/api/hosts/{hostId}/vms/vm2/vcpus/1/load", new { pcpu = 3 });
        await Post($"/api/hosts/{hostId}/vms/vm2/vcpus/1/block");

        var page = await chromium.Browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1440, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(service.BaseAddress.ToString());

        // The host is listed; selected, its VMs and vCPUs are drawn and the feed is live.
        var hostButton = page.Locator("#hosts button", new PageLocatorOptions { HasText = hostId });
        await Expect(hostButton).ToBeVisibleAsync(Visible);
        await hostButton.ClickAsync();
        await Expect(page.Locator("#host-title")).ToHaveTextAsync(hostId, new() { Timeout = 10_000 });
        await Expect(page.Locator("#vcpu-vm1-0")).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 10_000 });
        await Expect(page.Locator("#vcpu-vm2-1")).ToHaveAttributeAsync("data-state", "blocked", new() { Timeout = 10_000 });
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });

        // A vCPU control on the page: load vCPU 1 of vm1 on pCPU 1.
        await page.Locator("#vcpu-form select[name=vm]").SelectOptionAsync("vm1");
        await page.Locator("#vcpu-form input[name=vcpu]").FillAsync("1");
        await page.Locator("#vcpu-form input[name=pcpu]").FillAsync("1");
        await page.Locator("#vcpu-form button[data-action=load]").ClickAsync();
        await Expect(page.Locator("#vcpu-vm1-1")).ToHaveAttributeAsync("data-state", "running", new() { Timeout = 10_000 });

        // An MSI fired over HTTP appears in the feed within a few seconds, and its vCPU flashes.
        var msi = await Post($"/api/hosts/{hostId}/vms/vm1/msi", new { deviceId = 8, eventId = 3 });
        Assert.Equal("pending", (string?)msi["outcome"]);
        var seq = (long)(await Get($"/api/hosts/{hostId}/events?limit=1"))["lastSeq"]!;
        var row = page.Locator($"#feed li[data-seq='{seq}']");
        await Expect(row).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await Expect(row).ToContainTextAsync("LpiPending");
        await Expect(row).ToContainTextAsync("vm1/vcpu1");
        await Expect(row).ToContainTextAsync("intid 8195");
        // The vCPU that took it is marked (and flashes); the mark survives re-renders of the topology.
        await Expect(page.Locator("#vcpu-vm1-1[data-last-intid='8195']")).ToHaveCountAsync(1, new() { Timeout = 5_000 });
        await Post($"/api/hosts/{hostId}/vms/vm1/msi", new { deviceId = 8, eventId = 9 }); // dropped
        await Expect(page.Locator("#feed li[data-type=MsiDropped]")).ToHaveCountAsync(2, new() { Timeout = 5_000 });

        // The NIC's vectors show how they arrive; triggering a forwarded one from the page delivers a VLPI.
        await Expect(page.Locator("#vfio-nic tbody tr")).ToHaveCountAsync(4, new() { Timeout = 10_000 });
        await Expect(page.Locator("#vfio-nic tbody tr").First).ToContainTextAsync("VLPI (forwarded)");
        await page.Locator("#vfio-nic button[data-vector='0']").ClickAsync();
        await Expect(page.Locator("#feed li[data-type=VlpiDelivered]")).ToContainTextAsync("vm1/vcpu1", new() { Timeout = 5_000 });
        await Expect(page.Locator("#result")).ToContainTextAsync("path vlpi");
        await Expect(page.Locator("#vcpu-vm1-1 .pending")).ToHaveTextAsync("2 pending", new() { Timeout = 5_000 });

        var artefacts = Path.Combine(ChromiumFixture.RepositoryRoot, "artifacts", "browser");
        Directory.CreateDirectory(artefacts);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artefacts, "dashboard.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Dashboard_FiltersTheFeedByText()
    {
        var hostId = $"flt-{Guid.NewGuid():N}"[..12];
        await Post("/api/hosts", new { id = hostId, pcpus = 2, gicVersion = "v4.1" });
        await Post($"/api/hosts/{hostId}/vms", new { id = "vm1", vcpus = 2 });
        await Post($"/api/hosts/{hostId}/vms/vm1/msi", new { deviceId = 1, eventId = 1 }); // dropped: unmapped

        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(service.BaseAddress.ToString());
        await page.Locator("#hosts button", new PageLocatorOptions { HasText = hostId }).ClickAsync();
        await Expect(page.Locator("#feed li[data-type=MsiDropped]")).ToBeVisibleAsync(Visible);

        await page.Locator("#feed-filter").FillAsync("msidropped");

        await Expect(page.Locator("#feed li:visible")).ToHaveCountAsync(1, new() { Timeout = 5_000 });
        await Expect(page.Locator("#feed li[data-type=VmCreated]")).ToBeHiddenAsync();
    }

    private async Task<JsonNode> Post(string route, object? body = null)
    {
        using var response = await _http.PostAsync(route, body is null ? null : JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {route}: {(int)response.StatusCode} {text}");
        return string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!;
    }

    private async Task Put(string route, object body)
    {
        using var response = await _http.PutAsync(route, JsonContent.Create(body));
        Assert.True(response.IsSuccessStatusCode, $"PUT {route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonNode> Get(string route) => JsonNode.Parse(await _http.GetStringAsync(route))!;
}
