using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Observability;

/// <summary><c>/healthz/live</c> (no checks) and <c>/healthz/ready</c> (storage writable, hub up), beside the combined <c>/healthz</c>.</summary>
public sealed class HealthTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    [Fact]
    public async Task Live_Is200WithNoChecks_AndReadyAndHealthzReportStorageAndHub_WhenAllIsWell()
    {
        var client = factory.CreateClient();

        var live = await Health(client, "/healthz/live", HttpStatusCode.OK);
        Assert.Equal("healthy", (string)live["status"]!);
        Assert.Empty(live["checks"]!.AsArray());

        foreach (var route in new[] { "/healthz/ready", "/healthz" })
        {
            var report = await Health(client, route, HttpStatusCode.OK);
            Assert.Equal("healthy", (string)report["status"]!);
            Assert.Equal(["hub", "storage"], report["checks"]!.AsArray().Select(c => (string)c!["name"]!).Order());
            Assert.All(report["checks"]!.AsArray(), c => Assert.Equal("healthy", (string)c!["status"]!));
        }
    }

    [Fact]
    public async Task Ready_Is503WithStorageUnhealthy_ButLiveIs200_WhenTheDataDirectoryIsUnwritable()
    {
        var parent = GicServiceFactory.NewDataDirectory();
        Directory.CreateDirectory(parent);
        var file = Path.Combine(parent, "not-a-directory");
        await File.WriteAllTextAsync(file, "");
        try
        {
            await using var broken = new GicServiceFactory { DataDirectory = Path.Combine(file, "data") };
            var client = broken.CreateClient();

            Assert.Equal("healthy", (string)(await Health(client, "/healthz/live", HttpStatusCode.OK))["status"]!);
            var ready = await Health(client, "/healthz/ready", HttpStatusCode.ServiceUnavailable);
            Assert.Equal("unhealthy", (string)ready["status"]!);
            var checks = ready["checks"]!.AsArray();
            Assert.Equal("unhealthy", (string)checks.Single(c => (string)c!["name"]! == "storage")!["status"]!);
            Assert.Equal("healthy", (string)checks.Single(c => (string)c!["name"]! == "hub")!["status"]!);
            await Health(client, "/healthz", HttpStatusCode.ServiceUnavailable);
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(parent);
        }
    }

    /// <summary>A health report is application/json with a status, not a problem, whatever its status code.</summary>
    private static async Task<JsonNode> Health(HttpClient client, string route, HttpStatusCode expected)
    {
        using var response = await client.GetAsync(route);
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!;
    }
}
