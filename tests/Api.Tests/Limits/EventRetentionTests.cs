using System.Net;
using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.SignalR;

namespace GicService.Api.Tests.Limits;

/// <summary>
/// A host keeps its last Limits:EventsRetainedPerHost events: older ones answer a problem naming the limit, yet a
/// subscriber that keeps up misses nothing, and snapshots and recovery still see every event.
/// </summary>
public sealed class EventRetentionTests
{
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Limits:EventsRetainedPerHost"] = "1024",
        ["Storage:SnapshotEvery"] = "3",
    };

    private static async Task<long> DropOldEvents(GicClient client, EventBurst burst, string hostId)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var end = await burst.Add(2);
            using var response = await client.Http.GetAsync($"/api/hosts/{hostId}/events?after=0&limit=1");
            if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
            {
                return end;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The host never dropped its oldest events.");
    }

    [Fact]
    public async Task OldEventsAreDropped_ButALiveSubscriberAndRecoverySeeEveryOne()
    {
        var data = GicServiceFactory.NewDataDirectory();
        string hostId;
        long end;
        try
        {
            await using (var factory = KestrelGicServiceFactory.WithSettings(new Dictionary<string, string?>(Settings) { ["Storage:DataDirectory"] = data }))
            {
                var client = new GicClient(factory.CreateClient());
                var burst = await EventBurst.Create(client);
                hostId = burst.HostId;
                await using var live = await HubSubscriber.Connect(factory.BaseAddress);
                await live.Subscribe(hostId, 0);

                end = await burst.Add(6_000);
                HubSubscriber.AssertContiguous(await live.WaitFor(end), 1, end);

                // The log drops old events as inputs arrive, once the live feed and the snapshots have taken them.
                end = await DropOldEvents(client, burst, hostId);
                HubSubscriber.AssertContiguous(await live.WaitFor(end), 1, end);
                var problem = await client.Get($"/api/hosts/{hostId}/events?after=0&limit=1", HttpStatusCode.UnprocessableEntity);
                Assert.Equal("/problems/limit-exceeded", (string?)problem["type"]);
                Assert.Equal("Limits:EventsRetainedPerHost", (string?)problem["limit"]);

                var recent = await client.Get($"/api/hosts/{hostId}/events?after={end - 1000}&limit=1000");
                Assert.Equal(1000, recent["events"]!.AsArray().Count);

                await using var late = await HubSubscriber.Connect(factory.BaseAddress);
                var refused = await Assert.ThrowsAsync<HubException>(() => late.Subscribe(hostId, 0));
                Assert.Contains("Limits:EventsRetainedPerHost", refused.Message);
                await late.Subscribe(hostId, end - 500);
                HubSubscriber.AssertContiguous(await late.WaitFor(end), end - 499, end);
            }

            // Snapshots stored every event although the log dropped them: recovery ends where the host did.
            await using var restarted = new GicServiceFactory { DataDirectory = data, KeepData = true, Settings = Settings };
            var after = new GicClient(restarted.CreateClient());
            Assert.Equal(end, await after.LastSeq(hostId));
            var tail = await after.Get($"/api/hosts/{hostId}/events?after={end - 10}");
            Assert.Equal(10, tail["events"]!.AsArray().Count);
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(data);
        }
    }
}
