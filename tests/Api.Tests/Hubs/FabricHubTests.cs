using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using GicService.Api.Contracts;
using GicService.Api.Hubs;
using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Hubs;

/// <summary><c>/hubs/fabric</c> with the real .NET SignalR client against Kestrel on 127.0.0.1.</summary>
public sealed class FabricHubTests(KestrelGicServiceFactory factory) : IClassFixture<KestrelGicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Fact]
    public async Task Subscribe_DeliversTenThousandEventsInOrderWithoutGap_ToEachOfThreeSubscribers()
    {
        var burst = await EventBurst.Create(_client);
        var start = await burst.LastSeq();
        await using var a = await HubSubscriber.Connect(factory.BaseAddress);
        await using var b = await HubSubscriber.Connect(factory.BaseAddress);
        await using var c = await HubSubscriber.Connect(factory.BaseAddress, messagePack: true);
        await a.Subscribe(burst.HostId, start);
        await b.Subscribe(burst.HostId, start);

        var producing = burst.Add(10_000);
        await a.WaitFor(start + 1);
        // The third joins while events are flowing: its replay and the live feed meet mid-stream.
        var joined = await c.Subscribe(burst.HostId, start);
        var end = await producing;

        Assert.True(end - start >= 10_000);
        Assert.InRange(joined.LastSeq, start, end);
        foreach (var subscriber in new[] { a, b, c })
        {
            HubSubscriber.AssertContiguous(await subscriber.WaitFor(end), start + 1, end);
        }
    }

    [Fact]
    public async Task Subscribe_AfterTheLastSeqSeen_ResumesWithNothingMissingOrRepeated()
    {
        var burst = await EventBurst.Create(_client);
        var start = await burst.LastSeq();
        var first = await HubSubscriber.Connect(factory.BaseAddress);
        await first.Subscribe(burst.HostId, start);

        var producing = burst.Add(10_000);
        await first.WaitFor(start + 2_000);
        await first.DisposeAsync(); // drops mid-stream
        var seen = first.Drain();
        var k = seen[^1].Seq;

        await using var second = await HubSubscriber.Connect(factory.BaseAddress);
        await second.Subscribe(burst.HostId, k);
        var end = await producing;

        HubSubscriber.AssertContiguous(seen, start + 1, k);
        HubSubscriber.AssertContiguous(await second.WaitFor(end), k + 1, end);
    }

    [Fact]
    public async Task MessagePack_CarriesEventsExactlyAsJsonAndTheHttpLogShowThem()
    {
        var (hostId, vm) = await _client.CreateHostAndVm(vcpus: 2);
        await using var json = await HubSubscriber.Connect(factory.BaseAddress);
        await using var msgpack = await HubSubscriber.Connect(factory.BaseAddress, messagePack: true);
        await json.Subscribe(hostId, 0);
        var subscribed = await msgpack.Subscribe(hostId, 0);
        Assert.Equal(hostId, subscribed.HostId);

        // A mix of event shapes: hex fields, a nested itsError, sources, priorities.
        await _client.Commands(vm, Mapd(2), Mapc(0, 1), Mapti(2, 5, 8200, 0), Cmd("INT", 9, 0));
        await _client.Post($"{vm}/msi", new { deviceId = 2, eventId = 5 });
        await _client.Post($"{vm}/vcpus/1/load", new { pcpu = 3 });
        await _client.Ack(vm, 1);
        var end = await _client.LastSeq(hostId);

        var http = (await _client.Get($"/api/hosts/{hostId}/events?after=0&limit=1000"))["events"]!.AsArray();
        var viaJson = await json.WaitFor(end);
        var viaMsgpack = await msgpack.WaitFor(end);
        HubSubscriber.AssertContiguous(viaMsgpack, 1, end);
        Assert.Contains(viaMsgpack, e => e.ItsError is not null);
        Assert.Contains(viaMsgpack, e => e.Type == "InterruptAcknowledged" && e.Pcpu == 3 && e.IntId == 8200);
        for (var i = 0; i < http.Count; i++)
        {
            Assert.Equal(Text(http[i]!), Wire(viaJson[i]));
            Assert.Equal(Text(http[i]!), Wire(viaMsgpack[i]));
        }
    }

    [Fact]
    public async Task SubscribeFiltered_PassesOnlyTheVmOrVcpuAsked()
    {
        var (hostId, vm) = await _client.CreateHostAndVm(vcpus: 2);
        await _client.Post($"/api/hosts/{hostId}/vms", new { id = "vm2", vcpus = 2 }, HttpStatusCode.Created);
        await using var vmOnly = await HubSubscriber.Connect(factory.BaseAddress);
        await using var vcpuOnly = await HubSubscriber.Connect(factory.BaseAddress, messagePack: true);
        await using var all = await HubSubscriber.Connect(factory.BaseAddress);
        var filtered = await vmOnly.SubscribeFiltered(hostId, 0, new EventFilter("vm2", null));
        Assert.Equal("vm2", filtered.Filter?.VmId);
        await vcpuOnly.SubscribeFiltered(hostId, 0, new EventFilter("vm1", 1));
        await all.Subscribe(hostId, 0);

        await _client.Post($"{vm}/vcpus/0/load", new { pcpu = 0 });
        await _client.Post($"{vm}/vcpus/1/load", new { pcpu = 1 });
        await _client.Post($"/api/hosts/{hostId}/vms/vm2/vcpus/1/load", new { pcpu = 2 });
        var end = await _client.LastSeq(hostId);
        var everything = await all.WaitFor(end);

        var vm2 = everything.Where(e => e.VmId == "vm2").ToList();
        Assert.Equal(vm2.Select(e => e.Seq), (await vmOnly.WaitFor(vm2[^1].Seq)).Select(e => e.Seq));
        var vcpu1 = everything.Where(e => e.VmId == "vm1" && e.Vcpu is null or 1).ToList();
        Assert.Contains(vcpu1, e => e is { Type: "VcpuLoaded", Vcpu: 1, Pcpu: 1 });
        Assert.Equal(vcpu1.Select(e => e.Seq), (await vcpuOnly.WaitFor(vcpu1[^1].Seq)).Select(e => e.Seq));
    }

    [Theory]
    [InlineData("no-such-host", 0L, "Host 'no-such-host' does not exist.")]
    [InlineData("", 0L, "hostId is required.")]
    [InlineData(null, -1L, "afterSeq must be 0 or more (got -1).")]
    [InlineData(null, 1_000_000L, "afterSeq 1000000 is beyond host")]
    public async Task Subscribe_AnswersAHubError_WhenAnArgumentIsWrong(string? hostId, long afterSeq, string message)
    {
        var (existing, _) = await _client.CreateHostAndVm();
        await using var subscriber = await HubSubscriber.Connect(factory.BaseAddress);

        var error = await Assert.ThrowsAsync<HubException>(() => subscriber.Subscribe(hostId ?? existing, afterSeq));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task SubscribeFiltered_AnswersAHubError_WhenAVcpuHasNoVm()
    {
        var (hostId, _) = await _client.CreateHostAndVm();
        await using var subscriber = await HubSubscriber.Connect(factory.BaseAddress);

        var error = await Assert.ThrowsAsync<HubException>(() => subscriber.SubscribeFiltered(hostId, 0, new EventFilter(null, 1)));

        Assert.Contains("A vcpu filter needs the vmId it belongs to.", error.Message);
    }

    [Fact]
    public async Task Unsubscribe_StopsTheSubscription_AndAnswersFalseWhenThereIsNone()
    {
        var burst = await EventBurst.Create(_client);
        await using var subscriber = await HubSubscriber.Connect(factory.BaseAddress);
        await subscriber.Subscribe(burst.HostId, 0);
        await subscriber.WaitFor(await burst.LastSeq());

        Assert.True(await Unsubscribe(subscriber, burst.HostId));
        Assert.False(await Unsubscribe(subscriber, burst.HostId));

        // Subscribing again (same connection) starts a fresh stream from the seq given.
        var last = await burst.LastSeq();
        var count = subscriber.Drain().Count;
        await subscriber.Subscribe(burst.HostId, last);
        var end = await burst.Add(10);
        HubSubscriber.AssertContiguous((await subscriber.WaitFor(end)).Skip(count).ToList(), last + 1, end);
    }

    [Fact]
    public async Task DeletingTheHost_EndsItsSubscriptions_AfterItsLastEvent()
    {
        var burst = await EventBurst.Create(_client);
        await using var subscriber = await HubSubscriber.Connect(factory.BaseAddress);
        await subscriber.Subscribe(burst.HostId, 0);
        var end = await burst.Add(100);

        await _client.Send(HttpMethod.Delete, $"/api/hosts/{burst.HostId}", expected: HttpStatusCode.NoContent);

        var notice = await subscriber.Ended.WaitAsync(HubSubscriber.Timeout);
        Assert.Equal(("hostDeleted", burst.HostId, end), (notice.Reason, notice.HostId, notice.ResumeAfterSeq));
        HubSubscriber.AssertContiguous(await subscriber.WaitFor(end), 1, end);
    }

    private static Task<bool> Unsubscribe(HubSubscriber subscriber, string hostId) =>
        subscriber.Connection.InvokeAsync<bool>(nameof(FabricHub.Unsubscribe), hostId).WaitAsync(HubSubscriber.Timeout);

    private static string Wire(FabricEventResponse e) =>
        Text(JsonNode.Parse(JsonSerializer.Serialize(e, JsonShapedMessagePackFormatter<FabricEventResponse>.JsonOptions))!);
}
