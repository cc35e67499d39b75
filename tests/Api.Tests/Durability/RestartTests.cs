using System.Net;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Durability;

/// <summary>A service started on the data directory of a stopped one serves every host as it was: same state, events, seq and trace.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Restart_ServesEveryHostAsItWas_AndItsEventsGoOnWithoutAGap()
    {
        var data = GicServiceFactory.NewDataDirectory();
        var settings = new Dictionary<string, string?> { ["Storage:SnapshotEvery"] = "40" };
        var hosts = new[] { GicClient.NewId("r"), GicClient.NewId("r") };
        var routes = new[] { "", "/vms/vm1", "/vms/vm1/its", "/vms/vm1/its/devices", "/vms/vm1/its/collections", "/vms/vm1/vcpus/0", "/vms/vm1/lpis", "/vfio/devices", "/its/vpes", "/its/vlpis", "/pcpus", "/trace" };
        var before = new Dictionary<string, string>();
        var events = new Dictionary<string, List<string>>();
        try
        {
            await using (var first = new GicServiceFactory { DataDirectory = data, KeepData = true, Settings = settings })
            {
                var client = new GicClient(first.CreateClient());
                for (var h = 0; h < hosts.Length; h++)
                {
                    await client.Post("/api/hosts", new { id = hosts[h], pcpus = 4, gicVersion = h == 0 ? "v4.0" : "v4.1" }, HttpStatusCode.Created);
                    var session = new RandomHttpSession(client.Http, hosts[h], 10 + h);
                    await session.WarmUpAsync();
                    await session.RunAsync(150);
                }

                var deleted = GicClient.NewId("gone");
                await client.Post("/api/hosts", new { id = deleted, pcpus = 1 }, HttpStatusCode.Created);
                await client.Send(HttpMethod.Delete, $"/api/hosts/{deleted}", expected: HttpStatusCode.NoContent);

                foreach (var host in hosts)
                {
                    foreach (var route in routes)
                    {
                        before[host + route] = GicClient.Text(await client.Get($"/api/hosts/{host}{route}"));
                    }

                    events[host] = await TraceReplayTests.Events(client, host, keepHostId: true);
                }
            }

            await using var second = new GicServiceFactory { DataDirectory = data, Settings = settings };
            var again = new GicClient(second.CreateClient());
            Assert.Equal(hosts.Order(StringComparer.Ordinal), (await again.Get("/api/hosts"))["hosts"]!.AsArray().Select(h => (string)h!["id"]!));
            foreach (var host in hosts)
            {
                foreach (var route in routes)
                {
                    Assert.Equal(before[host + route], GicClient.Text(await again.Get($"/api/hosts/{host}{route}")));
                }

                Assert.Equal(events[host], await TraceReplayTests.Events(again, host, keepHostId: true));
                var lastSeq = await again.LastSeq(host);
                await again.Post($"/api/hosts/{host}/vms/vm1/msi", new { deviceId = 7, eventId = 7 });
                var next = (await again.Get($"/api/hosts/{host}/events?after={lastSeq}"))["events"]!.AsArray();
                Assert.Equal(lastSeq + 1, (long)next.Single()!["seq"]!);
            }
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(data);
        }
    }
}
