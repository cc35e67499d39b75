using System.Net.Http.Headers;
using System.Net.Http.Json;
using GicService.Browser.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace GicService.Browser.Tests.Dashboard;

/// <summary>With keys configured, the dashboard works with a key given in its address, and Swagger UI offers "Authorize".</summary>
public sealed class KeyedDashboardTests(KeyedDashboardServiceFactory service, ChromiumFixture chromium)
    : IClassFixture<KeyedDashboardServiceFactory>, IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Dashboard_WithAReadersKeyInItsAddress_ListsHostsAndGoesLive()
    {
        using var admin = new HttpClient { BaseAddress = service.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", KeyedDashboardServiceFactory.AdminKey);
        (await admin.PostAsJsonAsync("/api/hosts", new { id = "keyed", pcpus = 2 })).EnsureSuccessStatusCode();

        var page = await chromium.Browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await page.GotoAsync(new Uri(service.BaseAddress, $"/#key={KeyedDashboardServiceFactory.ReaderKey}").ToString());

        var hostButton = page.Locator("#hosts button", new PageLocatorOptions { HasText = "keyed" });
        await Expect(hostButton).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await hostButton.ClickAsync();
        await Expect(page.Locator("#connection")).ToHaveTextAsync("live", new() { Timeout = 10_000 });
        Assert.DoesNotContain("key=", page.Url); // taken out of the address once stored for the tab
        Assert.Empty(errors);
    }

    [Fact]
    public async Task SwaggerUi_OffersTheAuthorizeButton()
    {
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(new Uri(service.BaseAddress, "/swagger").ToString());
        await Expect(page.Locator("button.authorize")).ToBeVisibleAsync(new() { Timeout = 15_000 });
    }
}
