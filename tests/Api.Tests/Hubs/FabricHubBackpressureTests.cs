using GicService.Api.Hubs;
using GicService.Api.Tests.Support;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GicService.Api.Tests.Hubs;

/// <summary>The service with a small per-subscription buffer, so a stalled client overflows it soon.</summary>
public sealed class SmallBufferGicServiceFactory : KestrelGicServiceFactory
{
    public const int Buffer = 4096;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Hub:SubscriberBuffer", Buffer.ToString());
    }
}

/// <summary>A subscriber that stops reading must not hold up the host or the other subscribers, and is told where to resume.</summary>
public sealed class FabricHubBackpressureTests(SmallBufferGicServiceFactory factory) : IClassFixture<SmallBufferGicServiceFactory>
{
    private const int Step = 1_000;
    private const int MaxEvents = 400_000;

    private readonly GicClient _client = new(factory.CreateClient());

    [Fact]
    public async Task StalledSubscriber_DoesNotDelayTheOthers_AndIsToldTheSeqToResumeFrom()
    {
        Assert.Equal(SmallBufferGicServiceFactory.Buffer, factory.Services.GetRequiredService<IOptions<FabricHubOptions>>().Value.SubscriberBuffer);
        var burst = await EventBurst.Create(_client);
        var feed = factory.Services.GetRequiredService<HostRegistry>().Find(burst.HostId)!.Feed;
        var start = await burst.LastSeq();
        await using var stalled = await RawHubSocket.Connect(factory.BaseAddress);
        await using var fast1 = await HubSubscriber.Connect(factory.BaseAddress);
        await using var fast2 = await HubSubscriber.Connect(factory.BaseAddress, messagePack: true);
        await fast1.Subscribe(burst.HostId, start);
        await fast2.Subscribe(burst.HostId, start);
        await stalled.Invoke(nameof(FabricHub.Subscribe), burst.HostId, start);
        Assert.Equal(3, feed.LiveSubscriptions);

        // The stalled client reads nothing more. Keep the host busy in steps: after every step both healthy
        // subscribers have everything. Go on until the feed has dropped the stalled subscription.
        var end = start;
        while (feed.LiveSubscriptions == 3 && end - start < MaxEvents)
        {
            end = await burst.Add(Step);
            await fast1.WaitFor(end);
            await fast2.WaitFor(end);
        }

        Assert.True(feed.LiveSubscriptions == 2, $"the stalled subscription is still live after {end - start} events");
        HubSubscriber.AssertContiguous(fast1.Received, start + 1, end);
        HubSubscriber.AssertContiguous(fast2.Received, start + 1, end);

        // Reading again, it finds every event up to the seq it is told (those the service had written before the
        // socket filled), then the notice, and resumes from there.
        await stalled.ReadUntil(s => s.Ended is not null);
        var resumeAfter = (long)stalled.Ended!["resumeAfterSeq"]!;
        Assert.Equal("lagged", (string?)stalled.Ended["reason"]);
        Assert.Contains($"afterSeq = {resumeAfter}", (string?)stalled.Ended["detail"]);
        Assert.InRange(resumeAfter, start + 1, end - SmallBufferGicServiceFactory.Buffer);
        Assert.Equal(Enumerable.Range(0, (int)(resumeAfter - start)).Select(i => start + 1 + i), stalled.Seqs);

        await stalled.Invoke(nameof(FabricHub.Subscribe), burst.HostId, resumeAfter);
        await stalled.ReadUntil(s => s.Seqs[^1] >= end);
        Assert.Equal(Enumerable.Range(0, (int)(end - start)).Select(i => start + 1 + i), stalled.Seqs);
    }
}
