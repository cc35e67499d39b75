using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GicService.Api.Tests.Support;

/// <summary>Calls the routes as design/api.md writes them; every test creates its own host id.</summary>
public sealed class GicClient(HttpClient http)
{
    public HttpClient Http { get; } = http;

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    public async Task<JsonNode> Send(HttpMethod method, string route, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(method, route);
        if (body is not null)
        {
            request.Content = body is string raw
                ? new StringContent(raw, System.Text.Encoding.UTF8, "application/json")
                : JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{method} {route}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        if (expected >= HttpStatusCode.BadRequest)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!;
    }

    public Task<JsonNode> Get(string route, HttpStatusCode expected = HttpStatusCode.OK) => Send(HttpMethod.Get, route, null, expected);

    public Task<JsonNode> Post(string route, object? body = null, HttpStatusCode expected = HttpStatusCode.OK) => Send(HttpMethod.Post, route, body, expected);

    public Task<JsonNode> Put(string route, object body, HttpStatusCode expected = HttpStatusCode.OK) => Send(HttpMethod.Put, route, body, expected);

    /// <summary>A host with <paramref name="pcpus"/> pCPUs and one VM; returns the VM's route prefix.</summary>
    public async Task<(string HostId, string Vm)> CreateHostAndVm(int vcpus = 2, string setup = "ready", int pcpus = 4)
    {
        var hostId = NewId("h");
        await Post("/api/hosts", new { id = hostId, pcpus, gicVersion = "v4.1" }, HttpStatusCode.Created);
        await Post($"/api/hosts/{hostId}/vms", new { id = "vm1", vcpus, setup }, HttpStatusCode.Created);
        return (hostId, $"/api/hosts/{hostId}/vms/vm1");
    }

    public async Task<JsonArray> Commands(string vm, params object[] commands)
    {
        var response = await Post($"{vm}/its/commands", new { commands });
        return response["results"]!.AsArray();
    }

    public async Task<JsonNode> Ack(string vm, int vcpu) => await Post($"{vm}/vcpus/{vcpu}/ack");

    public async Task<long> LastSeq(string hostId) => (long)(await Get($"/api/hosts/{hostId}/events?limit=1"))["lastSeq"]!;

    public static object Mapd(uint deviceId, uint size = 4, bool valid = true) => new { op = "MAPD", deviceId, size, valid };

    public static object Mapc(uint collectionId, uint vcpu, bool valid = true) => new { op = "MAPC", collectionId, rdBase = vcpu, valid };

    public static object Mapti(uint deviceId, uint eventId, uint intId, uint collectionId) => new { op = "MAPTI", deviceId, eventId, intId, collectionId };

    public static object Cmd(string op, uint deviceId, uint eventId) => new { op, deviceId, eventId };

    public static string Status(JsonNode result) => (string)result["status"]!;

    public static string? ErrorName(JsonNode result) => (string?)result["itsError"]?["name"];

    public static string Text(JsonNode node) => node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
