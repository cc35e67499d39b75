using System.Net;
using System.Net.Http.Json;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Durability;

/// <summary>
/// When the journal cannot be written, a mutating request is a 503 storage-unavailable problem and changes
/// nothing; reads keep working and /healthz reports unhealthy.
/// </summary>
public sealed class StorageFailureTests
{
    [Fact]
    public async Task MutatingRequests_Answer503AndChangeNothing_ReadsWork_AndHealthzIsUnhealthy_WhenStorageIsFull()
    {
        await using var factory = new GicServiceFactory { Settings = new Dictionary<string, string?> { ["Storage:MaxDatabaseMiB"] = "1" } };
        var client = new GicClient(factory.CreateClient());
        var (hostId, vm) = await client.CreateHostAndVm(vcpus: 1);

        // Fill the database: large memory writes until one fails, then small requests until nothing fits.
        foreach (var hex in new[] { new string('a', 16384), new string('b', 512), "" })
        {
            for (var i = 0; i < 100_000; i++)
            {
                using var response = hex.Length > 0
                    ? await client.Http.PutAsJsonAsync($"{vm}/memory/0x300000", new { hex })
                    : await client.Http.PostAsJsonAsync($"{vm}/msi", new { deviceId = 1, eventId = 1 });
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    break;
                }

                Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
            }
        }

        // A refused request changed nothing (a full database may still take a smaller write now and then: those are 200s).
        for (var attempt = 0; ; attempt++)
        {
            var host = GicClient.Text(await client.Get($"/api/hosts/{hostId}"));
            var vcpu = GicClient.Text(await client.Get($"{vm}/vcpus/0"));
            var lastSeq = await client.LastSeq(hostId);
            var inputs = (long)(await client.Get($"/api/hosts/{hostId}/trace"))["inputCount"]!;
            using var refused = await client.Http.PostAsJsonAsync($"{vm}/msi", new { deviceId = 1, eventId = 1 });
            if (refused.StatusCode != HttpStatusCode.ServiceUnavailable && attempt < 1000)
            {
                continue;
            }

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter is not null, "a 503 says when to retry");
            var problem = (await refused.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>())!;
            Assert.Equal("/problems/storage-unavailable", (string)problem["type"]!);
            Assert.Equal(503, (int)problem["status"]!);
            Assert.Contains("full", (string)problem["detail"]!, StringComparison.OrdinalIgnoreCase);

            Assert.Equal(host, GicClient.Text(await client.Get($"/api/hosts/{hostId}")));
            Assert.Equal(vcpu, GicClient.Text(await client.Get($"{vm}/vcpus/0")));
            Assert.Equal(lastSeq, await client.LastSeq(hostId));
            Assert.Equal(inputs, (long)(await client.Get($"/api/hosts/{hostId}/trace"))["inputCount"]!);
            break;
        }

        // Every read still answers.
        await client.Get($"{vm}/its");
        await client.Get($"{vm}/vcpus/0");
        await client.Get($"/api/hosts/{hostId}/trace");

        var health = await Health(client, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("unhealthy", (string)health["status"]!);
        var storage = health["checks"]!.AsArray().Single(c => (string)c!["name"]! == "storage")!;
        Assert.Equal("unhealthy", (string)storage["status"]!);
        Assert.Contains("full", (string)storage["description"]!, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task MutatingRequests_Answer503_ReadsWork_AndHealthzIsUnhealthy_WhenTheDataDirectoryIsUnwritable()
    {
        var parent = GicServiceFactory.NewDataDirectory();
        Directory.CreateDirectory(parent);
        var file = Path.Combine(parent, "not-a-directory");
        await File.WriteAllTextAsync(file, "");
        try
        {
            await using var factory = new GicServiceFactory { DataDirectory = Path.Combine(file, "data") };
            var client = new GicClient(factory.CreateClient());

            var problem = await client.Post("/api/hosts", new { id = "h1", pcpus = 2 }, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("/problems/storage-unavailable", (string)problem["type"]!);
            Assert.Empty((await client.Get("/api/hosts"))["hosts"]!.AsArray());
            await client.Get("/api/hosts/h1", HttpStatusCode.NotFound);
            Assert.Equal("unhealthy", (string)(await Health(client, HttpStatusCode.ServiceUnavailable))["status"]!);
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(parent);
        }
    }

    /// <summary>/healthz is a health report (application/json with a status), not a problem, whatever its status code.</summary>
    internal static async Task<System.Text.Json.Nodes.JsonNode> Health(GicClient client, HttpStatusCode expected)
    {
        using var response = await client.Http.GetAsync("/healthz");
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonNode>())!;
    }
}
