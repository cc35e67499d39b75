using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Vms;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Storage;
using GicService.Infrastructure.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GicService.Infrastructure.Tests.Streaming;

/// <summary>The per-host live feed and its subscriptions, on a real host runner: order, the replay/live seam, lag, deletion.</summary>
public sealed class EventFeedTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    // Hosts in memory: the feed is what is tested here, not storage.
    private readonly HostRegistry _registry = new(
        new MemoryHostStore(new StorageHealth(), NullLogger<MemoryHostStore>.Instance),
        Options.Create(new StorageOptions { Durable = false }),
        Options.Create(new GicService.Infrastructure.Limits.LimitsOptions()),
        NullLogger<HostRegistry>.Instance);
    private HostRunner _host = null!;

    public async Task InitializeAsync()
    {
        _host = (await _registry.CreateAsync(new HostConfiguration("h1", 2, GicVersion.V4_1)).WaitAsync(Timeout))!;
        await _host.ExecuteAsync(new CreateVm("vm1", 2, 16, VmSetup.Ready), (_, _) => 0).WaitAsync(Timeout);
    }

    public Task DisposeAsync() => _registry.DisposeAsync().AsTask();

    [Fact]
    public async Task Subscription_ReplaysTheLogThenFollowsLive_WithoutGapOrRepeat_WhileTheHostRuns()
    {
        var producing = Produce(5_000); // the seam falls somewhere in the middle of this
        await using var subscription = _host.Feed.Subscribe(afterSeq: 0, bufferCapacity: 100_000);
        var final = await producing.WaitAsync(Timeout);

        var seqs = await Read(subscription, until: final);

        Assert.Equal(Enumerable.Range(1, (int)final).Select(i => (long)i), seqs);
    }

    [Fact]
    public async Task Subscription_EndsLagged_AtTheLastSeqItYielded_WhenItFallsMoreThanItsBufferBehind()
    {
        var start = _host.Log.LastSeq;
        await using var slow = _host.Feed.Subscribe(start, bufferCapacity: 16);
        await using var healthy = _host.Feed.Subscribe(start, bufferCapacity: 100_000);
        var slowReader = slow.ReadAllAsync().GetAsyncEnumerator();
        var first = slowReader.MoveNextAsync(); // attaches to the live feed, then waits
        var healthyReading = Read(healthy, until: start + 200);
        Assert.Equal(2, _host.Feed.LiveSubscriptions);

        var final = await Produce(200).WaitAsync(Timeout);
        // Whether the slow reader takes some events before the overflow depends on how the feed batches them
        // (one batch of 200 overflows before the reader wakes); either way it ends lagged where it stopped.
        var yieldedAny = await first.AsTask().WaitAsync(Timeout);
        Assert.Equal(final, (await healthyReading.WaitAsync(Timeout))[^1]);
        // The feed offers each batch to every subscription under one lock: once the healthy one has the last
        // event and the lock is free again, the slow one's overflow has been seen.
        Assert.Equal(1, _host.Feed.LiveSubscriptions);

        var seqs = new List<long>();
        if (yieldedAny)
        {
            seqs.Add(slowReader.Current.Seq);
            while (await slowReader.MoveNextAsync().AsTask().WaitAsync(Timeout))
            {
                seqs.Add(slowReader.Current.Seq);
            }
        }

        Assert.Equal(SubscriptionEndReason.Lagged, slow.End!.Reason);
        Assert.Equal(seqs.Count > 0 ? seqs[^1] : start, slow.End.LastSeq);
        Assert.InRange(slow.End.LastSeq, start, start + 17);
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(i => start + i), seqs);

        // Resuming from the seq it was told misses nothing.
        await using var resumed = _host.Feed.Subscribe(slow.End.LastSeq, bufferCapacity: 100_000);
        Assert.Equal(Enumerable.Range(1, (int)(final - slow.End.LastSeq)).Select(i => slow.End.LastSeq + i), await Read(resumed, until: final));
    }

    [Fact]
    public async Task DeletingTheHost_EndsItsSubscriptions_AfterEveryEventItPublished()
    {
        await using var live = _host.Feed.Subscribe(0, bufferCapacity: 100_000);
        var reading = Read(live, until: long.MaxValue);
        var final = await Produce(50);

        await _registry.DeleteAsync("h1").WaitAsync(Timeout);

        Assert.Equal(final, (await reading.WaitAsync(Timeout))[^1]);
        Assert.Equal(new SubscriptionEnd(SubscriptionEndReason.HostDeleted, final), live.End);

        await using var late = _host.Feed.Subscribe(final - 10, bufferCapacity: 16);
        Assert.Equal(10, (await Read(late, until: long.MaxValue)).Count);
        Assert.Equal(new SubscriptionEnd(SubscriptionEndReason.HostDeleted, final), late.End);
    }

    [Fact]
    public async Task WaitForEventsAfterAsync_CompletesWhenTheHostAppends()
    {
        var last = _host.Log.LastSeq;
        var waiting = _host.Log.WaitForEventsAfterAsync(last, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        await Produce(1);

        await waiting.WaitAsync(Timeout);
        Assert.True(_host.Log.WaitForEventsAfterAsync(last, CancellationToken.None).IsCompleted);
    }

    /// <summary>Unmapped MSIs: one <see cref="MsiDropped"/> event each. Returns the last seq.</summary>
    private async Task<long> Produce(int events)
    {
        for (var i = 0; i < events; i++)
        {
            await _host.ExecuteAsync(new SignalMsi("vm1", 1, (uint)i), (_, _) => 0).WaitAsync(Timeout);
        }

        return _host.Log.LastSeq;
    }

    private static async Task<List<long>> Read(EventSubscription subscription, long until)
    {
        var seqs = new List<long>();
        using var timeout = new CancellationTokenSource(Timeout);
        await foreach (var e in subscription.ReadAllAsync(timeout.Token))
        {
            Assert.IsAssignableFrom<FabricEvent>(e);
            seqs.Add(e.Seq);
            if (e.Seq >= until)
            {
                break;
            }
        }

        return seqs;
    }
}
