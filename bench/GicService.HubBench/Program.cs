using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Api;
using GicService.Api.Contracts;
using GicService.Api.Hubs;
using GicService.Api.Json;
using GicService.HubBench;
using GicService.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;

// Latency from an MSI request to a SignalR client receiving its event, beside a bare SignalR broadcast of an
// event of the same shape and size, at fixed request rates, in one process on this machine:
//   dotnet run -c Release --project bench/GicService.HubBench [-- --seconds 5 --rates 1000,10000]
// See docs/benchmarks.md.
var seconds = Option("--seconds", 5);
var rates = (OptionText("--rates") ?? "1000,10000").Split(',').Select(int.Parse).ToArray();

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
builder.Configuration["Serilog:MinimumLevel:Default"] = "Warning";
builder.Configuration["Serilog:MinimumLevel:Override:Microsoft.AspNetCore"] = "Warning";
builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
builder.Services.AddGicInfrastructure();
builder.Services.AddGicApi();
var app = builder.Build();
app.UseGicApi();
app.MapGicEndpoints();

// The baseline: the same HTTP pipeline, then straight to every connected client, no host, log or feed. Each
// request sends the events the fabric would make: an MSI one LpiPending; a background batch of INT commands
// an ItsCommandProcessed and an LpiPending per command.
var broadcastSeq = 0L;
app.MapPost("/bench/broadcast", async (BroadcastRequest request, IHubContext<FabricHub, IFabricClient> hub) =>
{
    for (var i = 0; i < (request.Commands ?? 0); i++)
    {
        await hub.Clients.All.Event(new FabricEventResponse
        {
            Seq = Interlocked.Increment(ref broadcastSeq), Type = "ItsCommandProcessed", HostId = "bench", VmId = "vm1", Op = "INT",
            Raw = "0300000001000000ff0300000000000000000000000000000000000000000000", Offset = new Hex(0x20000 + (ulong)i * 32),
        });
        await hub.Clients.All.Event(Pending(request));
    }

    if (request.Commands is null)
    {
        await hub.Clients.All.Event(Pending(request));
    }

    return TypedResults.Ok(new { outcome = "sent" });
});

FabricEventResponse Pending(BroadcastRequest request) => new()
{
    Seq = Interlocked.Increment(ref broadcastSeq), Type = "LpiPending", HostId = "bench", VmId = "vm1", Vcpu = 0,
    IntId = 8192 + request.EventId, DeviceId = request.DeviceId, EventId = request.EventId, Source = "lpi", Coalesced = true, Reason = "MSI",
};
await app.StartAsync();
var baseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = baseAddress };
await Post(http, "/api/hosts", new { id = "bench", pcpus = 4, gicVersion = "v4.1" });
await Post(http, "/api/hosts/bench/vms", new { id = "vm1", vcpus = 4 });
var commands = new List<object> { new { op = "MAPD", deviceId = 1, size = 11, valid = true }, new { op = "MAPC", collectionId = 0, rdBase = 0, valid = true } };
commands.AddRange(Enumerable.Range(0, LatencyRun.Keys).Select(e => new { op = "MAPTI", deviceId = 1, eventId = e, intId = 8192 + e, collectionId = 0 }));
await Post(http, "/api/hosts/bench/vms/vm1/its/commands", new { commands });

// Background batches: 50 INT commands of device 1 event 1023 make 100 events (ItsCommandProcessed, LpiPending).
var intBatch = new { commands = Enumerable.Range(0, LatencyRun.BackgroundBatch / 2).Select(_ => new { op = "INT", deviceId = 1, eventId = LatencyRun.BackgroundKey }).ToArray() };
var broadcastBatch = new { deviceId = 1, eventId = LatencyRun.BackgroundKey, commands = LatencyRun.BackgroundBatch / 2 };
var paths = new (string Name, string Route, bool MessagePack, string BackgroundRoute, object BackgroundBody)[]
{
    ("bare broadcast, JSON", "/bench/broadcast", false, "/bench/broadcast", broadcastBatch),
    ("MSI -> hub, JSON", "/api/hosts/bench/vms/vm1/msi", false, "/api/hosts/bench/vms/vm1/its/commands", intBatch),
    ("bare broadcast, MessagePack", "/bench/broadcast", true, "/bench/broadcast", broadcastBatch),
    ("MSI -> hub, MessagePack", "/api/hosts/bench/vms/vm1/msi", true, "/api/hosts/bench/vms/vm1/its/commands", intBatch),
};

Console.WriteLine($"GicService hub latency: {Environment.ProcessorCount} cores, .NET {Environment.Version}, {seconds} s per run, {baseAddress}");
Console.WriteLine($"load average before: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine("warming up...");
foreach (var path in paths)
{
    await LatencyRun.Run(http, baseAddress, path.Route, path.MessagePack, rate: 2000, seconds: 2);
}

// A: every event is a probe, one HTTP request each. B: probes at 500/s on top of batched background events.
const int ProbeRate = 500;
var results = new List<(string Load, string Name, LatencyRun.Result Result)>();
foreach (var rate in rates)
{
    foreach (var path in paths)
    {
        var result = await LatencyRun.Run(http, baseAddress, path.Route, path.MessagePack, rate, seconds);
        results.Add(($"A: {rate:N0} MSI/s", path.Name, result));
        Console.WriteLine($"  A {rate,6}/s  {path.Name,-28} {result}");
    }

    foreach (var path in paths)
    {
        var result = await LatencyRun.Run(http, baseAddress, path.Route, path.MessagePack, ProbeRate, seconds,
            (path.BackgroundRoute, path.BackgroundBody, rate - ProbeRate));
        results.Add(($"B: {rate:N0} events/s ({ProbeRate} MSI/s)", path.Name, result));
        Console.WriteLine($"  B {rate,6}/s  {path.Name,-28} {result}");
    }
}

Console.WriteLine($"load average after: {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine();
Console.WriteLine("| load | path | probes | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | lost |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
foreach (var (load, name, r) in results)
{
    Console.WriteLine($"| {load} | {name} | {r.Sent:N0} | {r.P(50):F2} | {r.P(90):F2} | {r.P(99):F2} | {r.P(99.9):F2} | {r.Max:F2} | {r.Lost} |");
}

await app.StopAsync();
return 0;

static async Task Post(HttpClient http, string route, object body)
{
    using var response = await http.PostAsJsonAsync(route, body);
    if (!response.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"POST {route}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}

int Option(string name, int fallback) => OptionText(name) is { } text ? int.Parse(text) : fallback;

string? OptionText(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record BroadcastRequest(uint DeviceId, uint EventId, int? Commands);
