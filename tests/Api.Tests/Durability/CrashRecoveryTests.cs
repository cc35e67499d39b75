using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Durability;

/// <summary>
/// The real service, killed with SIGKILL while concurrent clients drive it, comes back on the same data
/// directory with every request that got a 2xx, and every host's event log is gap-free and is exactly what
/// its journal replays to.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const int Clients = 8;
    private static readonly string[] Hosts = ["crash-a", "crash-b", "crash-c"];

    [Fact]
    public async Task Service_KilledMidLoad_ComesBackWithEveryAcknowledgedRequest_AndGapFreeEventLogs()
    {
        var data = GicServiceFactory.NewDataDirectory();
        var environment = new Dictionary<string, string> { ["Storage__SnapshotEvery"] = "150" };
        var memory = new ConcurrentBag<(string Host, ulong Gpa, string Hex)>();
        var msis = new ConcurrentBag<(string Host, uint EventId)>();
        try
        {
            await using (var first = await ServiceProcess.StartAsync(data, environment))
            {
                var client = new GicClient(first.Http);
                foreach (var host in Hosts)
                {
                    await client.Post("/api/hosts", new { id = host, pcpus = 4, gicVersion = host == "crash-b" ? "v4.0" : "v4.1" }, HttpStatusCode.Created);
                    await client.Post($"/api/hosts/{host}/vms", new { id = "vm1", vcpus = 2, memoryMiB = 64 }, HttpStatusCode.Created);
                    await client.Commands($"/api/hosts/{host}/vms/vm1", GicClient.Mapd(0, size: 15), GicClient.Mapc(0, 1),
                        GicClient.Mapti(0, 0, 8192, 0), GicClient.Mapti(0, 1, 8193, 0));
                }

                // Concurrent clients, each with its own stream of unique requests, until the service dies under them.
                using var stop = new CancellationTokenSource();
                var acknowledged = 0;
                var load = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        var host = Hosts[(c + i) % Hosts.Length];
                        var vm = $"/api/hosts/{host}/vms/vm1";
                        var unique = (uint)(c * 100_000 + i);
                        try
                        {
                            if (i % 2 == 0)
                            {
                                var gpa = 0x40_0000UL + unique * 8UL;
                                var hex = Convert.ToHexStringLower(BitConverter.GetBytes(unique * 2654435761UL));
                                using var response = await first.Http.PutAsJsonAsync($"{vm}/memory/0x{gpa:x}", new { hex });
                                if (response.IsSuccessStatusCode)
                                {
                                    memory.Add((host, gpa, hex));
                                }
                            }
                            else
                            {
                                using var response = await first.Http.PostAsJsonAsync($"{vm}/msi", new { deviceId = 0, eventId = unique % 30_000 + 2 });
                                if (response.IsSuccessStatusCode)
                                {
                                    msis.Add((host, unique % 30_000 + 2));
                                }
                            }

                            Interlocked.Increment(ref acknowledged);
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                        {
                            return; // the service is gone
                        }
                    }
                })).ToList();

                var deadline = DateTime.UtcNow.AddSeconds(30);
                while (Volatile.Read(ref acknowledged) < 600 && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(10);
                }

                await first.KillAsync();
                await stop.CancelAsync();
                await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(memory.Count + msis.Count >= 600, $"only {memory.Count + msis.Count} requests were acknowledged before the kill");
            }

            await using var second = await ServiceProcess.StartAsync(data, environment);
            var again = new GicClient(second.Http);
            Assert.Equal(Hosts, (await again.Get("/api/hosts"))["hosts"]!.AsArray().Select(h => (string)h!["id"]!));
            foreach (var host in Hosts)
            {
                var vm = $"/api/hosts/{host}/vms/vm1";

                // Every acknowledged memory write is in guest RAM, every acknowledged MSI in the event log.
                foreach (var (_, gpa, hex) in memory.Where(m => m.Host == host))
                {
                    Assert.Equal(hex, (string)(await again.Get($"{vm}/memory/0x{gpa:x}?length=8"))["hex"]!);
                }

                var events = await TraceReplayTests.Events(again, host, keepHostId: true);
                var dropped = events.Select(e => JsonNode.Parse(e)!).Where(e => (string)e["type"]! == "MsiDropped")
                    .Select(e => (uint)e["eventId"]!).ToHashSet();
                Assert.All(msis.Where(m => m.Host == host), m => Assert.Contains(m.EventId, dropped));

                // Gap-free (checked while paging), and exactly what the recovered journal replays to.
                Assert.Equal(events.Count, (long)(await again.Get($"/api/hosts/{host}"))["lastSeq"]!);
                var trace = (await again.Get($"/api/hosts/{host}/trace")).ToJsonString();
                var replay = $"{host}-replayed";
                await again.Send(HttpMethod.Post, $"/api/hosts/replay?id={replay}", trace, HttpStatusCode.Created);
                Assert.Equal(await TraceReplayTests.Events(again, host), await TraceReplayTests.Events(again, replay));

                // The host goes on where it stopped.
                await again.Post($"{vm}/msi", new { deviceId = 0, eventId = 1 });
                var next = (await again.Get($"/api/hosts/{host}/events?after={events.Count}"))["events"]!.AsArray();
                Assert.Equal(events.Count + 1, (long)next[0]!["seq"]!);
            }

            Assert.Contains("Recovered 3 hosts", second.Output, StringComparison.Ordinal);
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(data);
        }
    }
}
