using System.Net;

namespace GicService.Api.Tests.Support;

/// <summary>A host whose VM turns ITS INT commands into events quickly: each INT of device 1 event 0 is processed and makes LPI 8192 pending.</summary>
public sealed class EventBurst(GicClient client, string hostId, string vm)
{
    public string HostId { get; } = hostId;

    public static async Task<EventBurst> Create(GicClient client)
    {
        var (hostId, vm) = await client.CreateHostAndVm(vcpus: 2);
        var results = await client.Commands(vm, GicClient.Mapd(1), GicClient.Mapc(0, 0), GicClient.Mapti(1, 0, 8192, 0));
        Assert.All(results, r => Assert.Equal("ok", GicClient.Status(r!)));
        return new EventBurst(client, hostId, vm);
    }

    public Task<long> LastSeq() => client.LastSeq(HostId);

    /// <summary>Adds at least <paramref name="events"/> events, in requests of up to 1,000 INT commands; returns the host's last seq after.</summary>
    public async Task<long> Add(int events)
    {
        var start = await LastSeq();
        while (await LastSeq() - start < events)
        {
            var missing = events - (int)(await LastSeq() - start);
            var commands = Enumerable.Range(0, Math.Clamp((missing + 1) / 2, 1, 1000)).Select(_ => GicClient.Cmd("INT", 1, 0)).ToArray();
            await client.Post($"{vm}/its/commands", new { commands });
        }

        return await LastSeq();
    }

    /// <summary>One MSI over HTTP, as a VMM's KVM_SIGNAL_MSI.</summary>
    public Task Msi() => client.Post($"{vm}/msi", new { deviceId = 1, eventId = 0 }, HttpStatusCode.OK);
}
