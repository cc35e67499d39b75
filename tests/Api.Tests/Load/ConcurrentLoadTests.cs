using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using GicService.Api.Contracts;
using GicService.Api.Hubs;
using GicService.Api.Tests.Robustness;
using GicService.Api.Tests.Support;
using Xunit.Abstractions;

namespace GicService.Api.Tests.Load;

/// <summary>
/// Issue 6, load: 64 clients at once (LOAD_CLIENTS) on 4 hosts (LOAD_HOSTS), each sending LOAD_REQUESTS
/// (default 200) valid requests: ITS command batches, MSIs, VFIO triggers of vectors forwarded as VLPIs
/// (GICv4), and vCPU load/put/block/unblock/ack. Three real SignalR subscribers per host (two JSON, one
/// MessagePack) subscribe before the load begins. No request may fail, and afterwards every subscriber's
/// stream is gap-free and equal, event for event, to the host's log as GET .../events pages it.
/// </summary>
public sealed class ConcurrentLoadTests(ITestOutputHelper output)
{
    private const int Vcpus = 4;

    [Fact]
    public async Task ManyClients_OnSeveralHosts_GetNoErrors_AndEverySubscriberSeesExactlyTheEventLog()
    {
        var hosts = FuzzSettings.Int("LOAD_HOSTS", 4, min: 1);
        var clients = FuzzSettings.Int("LOAD_CLIENTS", 64, min: 1);
        var perClient = FuzzSettings.Int("LOAD_REQUESTS", 200, min: 1);
        await using var factory = new KestrelGicServiceFactory();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients + 8 })
        {
            BaseAddress = factory.BaseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };

        var hostIds = new List<string>();
        for (var h = 0; h < hosts; h++)
        {
            hostIds.Add(await SetUpAsync(http, h));
        }

        var subscribers = new List<(string HostId, HubSubscriber Subscriber)>();
        try
        {
            foreach (var hostId in hostIds)
            {
                foreach (var messagePack in new[] { false, true, false })
                {
                    var subscriber = await HubSubscriber.Connect(factory.BaseAddress, messagePack);
                    subscribers.Add((hostId, subscriber));
                    await subscriber.Subscribe(hostId, 0);
                }
            }

            var counts = new RequestCounts();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c =>
                new LoadClient(http, hostIds[c % hosts], c / hosts, seed: c, counts).RunAsync(perClient)));
            var elapsed = clock.Elapsed;

            var events = 0L;
            foreach (var hostId in hostIds)
            {
                var log = await EventLogAsync(http, hostId);
                var logText = log.Select(e => e!.ToJsonString()).ToList();
                events += log.Count;
                foreach (var (_, subscriber) in subscribers.Where(s => s.HostId == hostId))
                {
                    var received = await subscriber.WaitFor(log.Count, TimeSpan.FromSeconds(60));
                    HubSubscriber.AssertContiguous(received, 1, log.Count);
                    for (var i = 0; i < log.Count; i++)
                    {
                        // The same contract record, serialised the same way, gives the same text; parse only to explain a difference.
                        var pushed = JsonSerializer.Serialize(received[i], JsonShapedMessagePackFormatter<FabricEventResponse>.JsonOptions);
                        Assert.True(pushed == logText[i] || JsonNode.DeepEquals(log[i], JsonNode.Parse(pushed)),
                            $"{hostId} seq {i + 1}: the log has {logText[i]}, the subscriber got {pushed}");
                    }
                }
            }

            var verified = clock.Elapsed - elapsed;

            var total = counts.Total;
            output.WriteLine($"{total:N0} requests from {clients} clients on {hosts} hosts in {elapsed.TotalSeconds:F1} s: {total / elapsed.TotalSeconds:N0} requests/s; " +
                $"{events:N0} events, each pushed to 3 subscribers ({events * 3 / elapsed.TotalSeconds:N0} pushes/s); streams checked against the log in {verified.TotalSeconds:F1} s");
            output.WriteLine("by kind: " + string.Join(", ", counts.ByKind.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value:N0}")));
            output.WriteLine("trigger paths: " + string.Join(", ", counts.TriggerPaths.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {p.Value:N0}")));
            Assert.Equal((long)clients * perClient, total);
        }
        finally
        {
            foreach (var (_, subscriber) in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A host of 4 pCPUs (host 0 is GICv4.0 without DirectLPI, the others v4.1) with a ready VM of 4 vCPUs,
    /// devices 0-3 with events 0-3 mapped to LPIs on every vCPU's collection, and a VFIO function whose 4
    /// vectors (guest device 1) are forwarded as VLPIs. Every vCPU is left running on the pCPU of its number.
    /// </summary>
    private static async Task<string> SetUpAsync(HttpClient http, int index)
    {
        var hostId = GicClient.NewId($"load{index}");
        var host = $"/api/hosts/{hostId}";
        await Send(http, HttpMethod.Post, "/api/hosts", new { id = hostId, pcpus = Vcpus, gicVersion = index == 0 ? "v4.0" : "v4.1" }, HttpStatusCode.Created);
        await Send(http, HttpMethod.Post, $"{host}/vms", new { id = "vm1", vcpus = Vcpus, memoryMiB = 16 }, HttpStatusCode.Created);
        var commands = new List<object>();
        for (uint d = 0; d < 4; d++)
        {
            commands.Add(new { op = "MAPD", deviceId = d, size = 2, valid = true });
            commands.Add(new { op = "MAPC", collectionId = d, rdBase = d, valid = true });
            for (uint e = 0; e < 4; e++)
            {
                commands.Add(new { op = "MAPTI", deviceId = d, eventId = e, intId = 8192 + d * 4 + e, collectionId = e });
            }
        }

        var results = await Send(http, HttpMethod.Post, $"{host}/vms/vm1/its/commands", new { commands }, HttpStatusCode.OK);
        Assert.All(results!["results"]!.AsArray(), r => Assert.Equal("ok", (string)r!["status"]!));
        await Send(http, HttpMethod.Post, $"{host}/vfio/devices", new { id = "nic", bdf = "0000:01:00.0", vectors = 4, vmId = "vm1", guestDeviceId = 1 }, HttpStatusCode.Created);
        for (var v = 0; v < Vcpus; v++)
        {
            await Send(http, HttpMethod.Post, $"{host}/vms/vm1/vcpus/{v}/load", new { pcpu = v }, HttpStatusCode.OK);
        }

        for (var v = 0; v < 4; v++)
        {
            var vector = await Send(http, HttpMethod.Put, $"{host}/vfio/devices/nic/msix/{v}", new { address = FuzzRequests.Translater, data = v, masked = false }, HttpStatusCode.OK);
            Assert.Equal("vlpi", (string)vector!["forwarding"]!);
        }

        return hostId;
    }

    /// <summary>The host's whole event log, paged with after/limit.</summary>
    private static async Task<List<JsonNode?>> EventLogAsync(HttpClient http, string hostId)
    {
        var events = new List<JsonNode?>();
        while (true)
        {
            var page = await Send(http, HttpMethod.Get, $"/api/hosts/{hostId}/events?after={events.Count}&limit=997", null, HttpStatusCode.OK);
            var batch = page!["events"]!.AsArray();
            if (batch.Count == 0)
            {
                Assert.Equal(events.Count, (long)page["lastSeq"]!);
                return events;
            }

            events.AddRange(batch.Select(e => e?.DeepClone()));
        }
    }

    internal static async Task<JsonNode?> Send(HttpClient http, HttpMethod method, string route, object? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, route) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {route}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length > 0 ? JsonNode.Parse(text) : null;
    }

    /// <summary>What the clients sent, by kind, and the paths the VFIO triggers took.</summary>
    private sealed class RequestCounts
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, long> ByKind { get; } = new();

        public System.Collections.Concurrent.ConcurrentDictionary<string, long> TriggerPaths { get; } = new();

        public long Total => ByKind.Values.Sum();

        public void Count(string kind) => ByKind.AddOrUpdate(kind, 1, (_, n) => n + 1);

        public void CountTrigger(string path) => TriggerPaths.AddOrUpdate(path, 1, (_, n) => n + 1);
    }

    /// <summary>
    /// One client of a host. Client <c>k</c> of a host with <c>k</c> below 4 owns vCPU <c>k</c> and is the only one
    /// to schedule it (on pCPU <c>k</c>, so no two vCPUs ever want the same pCPU), acknowledging only while it
    /// runs; every client sends ITS commands, MSIs and VFIO triggers, whose architected errors are answers, not
    /// failures. So every request is valid and any 4xx or 5xx is a failure.
    /// </summary>
    private sealed class LoadClient(HttpClient http, string hostId, int index, int seed, RequestCounts counts)
    {
        private readonly Random _random = new(seed);
        private readonly string _vm = $"/api/hosts/{hostId}/vms/vm1";
        private string _state = "running";

        public async Task RunAsync(int requests)
        {
            var owns = index < Vcpus;
            for (var i = 0; i < requests; i++)
            {
                var roll = _random.Next(100);
                if (owns && roll < 35)
                {
                    await ScheduleAsync();
                }
                else if (roll < 60)
                {
                    await CommandsAsync();
                }
                else if (roll < 80)
                {
                    counts.Count("msi");
                    await Send(http, HttpMethod.Post, $"{_vm}/msi", new { deviceId = _random.Next(4), eventId = _random.Next(4) }, HttpStatusCode.OK);
                }
                else
                {
                    counts.Count("vfio trigger");
                    var trigger = await Send(http, HttpMethod.Post, $"/api/hosts/{hostId}/vfio/devices/nic/msix/{_random.Next(4)}/trigger", null, HttpStatusCode.OK);
                    counts.CountTrigger($"{(string)trigger!["path"]!}/{(string)trigger["outcome"]!}");
                }
            }
        }

        private Task CommandsAsync()
        {
            counts.Count("its commands");
            var commands = Enumerable.Range(0, _random.Next(1, 5)).Select(_ =>
            {
                var device = (uint)_random.Next(4);
                var ev = (uint)_random.Next(4);
                return _random.Next(8) switch
                {
                    0 or 1 or 2 => (object)new { op = "INT", deviceId = device, eventId = ev },
                    3 => new { op = "CLEAR", deviceId = device, eventId = ev },
                    4 => new { op = "INV", deviceId = device, eventId = ev },
                    5 => new { op = "MOVI", deviceId = device, eventId = ev, collectionId = (uint)_random.Next(4) },
                    6 => new { op = "INVALL", collectionId = (uint)_random.Next(4) },
                    _ => new { op = "SYNC", rdBase = _random.Next(4) },
                };
            }).ToArray();
            return Send(http, HttpMethod.Post, $"{_vm}/its/commands", new { commands }, HttpStatusCode.OK);
        }

        private async Task ScheduleAsync()
        {
            var vcpu = $"{_vm}/vcpus/{index}";
            string next;
            if (_state == "running")
            {
                next = _random.Next(6) switch { 0 or 1 or 2 => "ack", 3 => "put", _ => "block" };
            }
            else if (_state == "preempted")
            {
                next = "load";
            }
            else
            {
                next = _random.Next(4) == 0 ? "load" : "unblock"; // loading a blocked vCPU leaves it blocked (WFI)
            }

            counts.Count($"vcpu {next}");
            var answer = await Send(http, HttpMethod.Post, $"{vcpu}/{next}", next == "load" ? new { pcpu = index } : null, HttpStatusCode.OK);
            if (next != "ack")
            {
                _state = (string)answer!["state"]!;
            }
        }
    }
}
