using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Security;

public sealed class AccessControlTests(SecuredService service) : IClassFixture<SecuredService>
{
    [Fact]
    public async Task NoKey_Gets401Problem_WithABearerChallenge()
    {
        using var client = service.Client(null);
        using var response = await client.GetAsync("/api/hosts");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("/problems/unauthorized", (string?)problem!["type"]);
        Assert.Equal(401, (int?)problem["status"]);
    }

    [Fact]
    public async Task UnknownKey_Gets401Problem_SayingTheKeyIsNotKnown()
    {
        using var client = service.Client("an-unknown-key-of-some-length");
        using var response = await client.GetAsync("/api/hosts");
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not known", (string?)body!["detail"]);
    }

    [Fact]
    public async Task Reader_MutatingARoute_Gets403Problem_NamingTheRoleItNeeds()
    {
        using var client = service.Client(SecuredService.ReaderKey);
        using var response = await client.PostAsJsonAsync($"/api/hosts/{SecuredService.InScope}/vms", new { vcpus = 1 });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("/problems/forbidden", (string?)problem!["type"]);
        Assert.Contains("needs the role operator", (string?)problem["detail"]);
    }

    [Fact]
    public async Task ScopedOperator_DrivesItsHost_ButNotAnother_AndListsOnlyItsHosts()
    {
        var gic = new GicClient(service.Client(SecuredService.OperatorKey));
        var created = await gic.Post($"/api/hosts/{SecuredService.InScope}/vms", new { vcpus = 1 }, HttpStatusCode.Created);
        Assert.NotNull(created["id"]);

        var refused = await gic.Post($"/api/hosts/{SecuredService.OutOfScope}/vms", new { vcpus = 1 }, HttpStatusCode.Forbidden);
        Assert.Contains("outside this key's scope", (string?)refused["detail"]);

        var listed = (await gic.Get("/api/hosts"))["hosts"]!.AsArray().Select(h => (string?)h!["id"]).ToList();
        Assert.Equal([SecuredService.InScope], listed);
    }

    [Fact]
    public async Task ScopedAdmin_CreatesOnlyHostsItNames_WithinItsScope()
    {
        var gic = new GicClient(service.Client(SecuredService.ScopedAdminKey));
        await gic.Post("/api/hosts", new { pcpus = 2 }, HttpStatusCode.Forbidden);
        await gic.Post("/api/hosts", new { id = "h-elsewhere", pcpus = 2 }, HttpStatusCode.Forbidden);
        await gic.Post("/api/hosts", new { id = SecuredService.NewInScope, pcpus = 2 }, HttpStatusCode.Created);

        var all = (await new GicClient(service.Client(SecuredService.AdminKey)).Get("/api/hosts"))["hosts"]!.AsArray();
        Assert.DoesNotContain(all, h => (string?)h!["id"] == "h-elsewhere");
    }

    [Fact]
    public async Task HealthAndTheApiDescription_NeedNoKey_AndTheDescriptionOffersBearerAuthorization()
    {
        using var client = service.Client(null);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);

        var document = await client.GetFromJsonAsync<JsonObject>("/openapi/v1.json");
        var scheme = document!["components"]!["securitySchemes"]!["ApiKey"]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("bearer", (string?)scheme["scheme"]);
        Assert.NotNull(document["paths"]!["/api/hosts"]!["get"]!["security"]);
        Assert.Null(document["paths"]!["/healthz"]!["get"]!["security"]);
    }

    [Fact]
    public async Task Metrics_NeedAReadersKey_WhileHealthProbesNeedNone()
    {
        using var anonymous = service.Client(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/healthz/ready")).StatusCode);

        using var reader = service.Client(SecuredService.ReaderKey);
        using var metrics = await reader.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await metrics.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task KeyHashedAtRest_Authenticates()
    {
        using var client = service.Client(SecuredService.AdminKey);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/hosts")).StatusCode);
    }
}
