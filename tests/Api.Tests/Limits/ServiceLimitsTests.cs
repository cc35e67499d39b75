using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using System.Net;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Limits;

/// <summary>Limits of the service as a whole: how many hosts it runs, how fast a caller may go.</summary>
public sealed class ServiceLimitsTests
{
    [Fact]
    public async Task HostsBeyondTheLimit_AreRefused_UntilOneIsDeleted()
    {
        await using var factory = new GicServiceFactory { Settings = new Dictionary<string, string?> { ["Limits:Hosts"] = "2" } };
        var client = new GicClient(factory.CreateClient());
        await client.Post("/api/hosts", new { id = "a", pcpus = 1 }, HttpStatusCode.Created);
        await client.Post("/api/hosts", new { id = "b", pcpus = 1 }, HttpStatusCode.Created);

        var problem = await client.Post("/api/hosts", new { id = "c", pcpus = 1 }, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("/problems/limit-exceeded", (string?)problem["type"]);
        Assert.Equal("Limits:Hosts", (string?)problem["limit"]);
        await client.Get("/api/hosts/c", HttpStatusCode.NotFound);

        await client.Send(HttpMethod.Delete, "/api/hosts/a", expected: HttpStatusCode.NoContent);
        await client.Post("/api/hosts", new { id = "c", pcpus = 1 }, HttpStatusCode.Created);
    }

    [Fact]
    public async Task ACallerOverItsRate_Gets429ProblemWithRetryAfter_AndTheRequestIsNotApplied()
    {
        await using var factory = new GicServiceFactory
        {
            Settings = new Dictionary<string, string?> { ["Limits:RatePerSecond"] = "1", ["Limits:RateBurst"] = "3" },
        };
        using var http = factory.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await http.PostAsync("/api/hosts", JsonContent.Create(new { id = $"r{i}", pcpus = 1 }));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After is at least a second");
                var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>();
                Assert.Equal("/problems/rate-limited", (string?)problem!["type"]);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.Created));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode); // health is never rate limited

        // Only the admitted requests made hosts (the bucket may have refilled by now, so this GET may be refused too).
        var created = statuses.Select((s, i) => (s, i)).Where(x => x.s == HttpStatusCode.Created).Select(x => $"r{x.i}").ToHashSet();
        foreach (var service in factory.Services.GetServices<Infrastructure.Hosting.HostRegistry>())
        {
            Assert.Equal(created, service.All.Select(h => h.Id).ToHashSet());
        }
    }
}
