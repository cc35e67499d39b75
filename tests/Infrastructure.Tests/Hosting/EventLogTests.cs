using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Vms;
using GicService.Infrastructure.Hosting;

namespace GicService.Infrastructure.Tests.Hosting;

public sealed class EventLogTests
{
    [Fact]
    public void After_PagesAcrossStoredSegmentsAndLiveEvents_DecodingASegmentOnlyWhenAsked()
    {
        var events = Events(60);
        var decoded = new List<long>();
        var log = new EventLog();
        foreach (var (first, last) in new[] { (1, 10), (11, 11), (12, 30) })
        {
            var segment = events.Skip(first - 1).Take(last - first + 1).ToList();
            log.AddStored(new StoredEventSegment(first, last, () =>
            {
                decoded.Add(first);
                return segment;
            }));
        }

        log.Append(events.Skip(30).ToList());
        Assert.Equal(60, log.LastSeq);
        Assert.Empty(decoded);

        Assert.Equal(events.Skip(50).Select(e => e.Seq), log.After(50, 100).Select(e => e.Seq));
        Assert.Empty(decoded);

        for (var limit = 1; limit <= 61; limit += 3)
        {
            var all = new List<long>();
            long after = 0;
            while (log.After(after, limit) is { Count: > 0 } page)
            {
                Assert.True(page.Count <= limit);
                all.AddRange(page.Select(e => e.Seq));
                after = page[^1].Seq;
            }

            Assert.Equal(Enumerable.Range(1, 60).Select(i => (long)i), all);
        }

        Assert.Equal([1, 11, 12], decoded.Distinct().Order());
        Assert.Same(events[0], log.After(0, 1)[0]);
    }

    [Theory]
    [InlineData(60L)]
    [InlineData(61L)]
    [InlineData(1L << 32)]
    [InlineData((1L << 32) + 35)]
    [InlineData(long.MaxValue - 1)]
    [InlineData(long.MaxValue)]
    public void After_IsEmpty_WhenAfterSeqIsAtOrBeyondTheLastSeq(long afterSeq)
    {
        // Found by the HTTP fuzz: after=9223372036854775807 overflowed seq + 1 (a 500), and after=2^32 + 35
        // truncated the offset into the live events to an int (events 1.. instead of none).
        var events = Events(60);
        var log = new EventLog();
        log.AddStored(new StoredEventSegment(1, 20, () => events.Take(20).ToList()));
        log.Append(events.Skip(20).ToList());

        Assert.Empty(log.After(afterSeq, 100));
        Assert.Equal([60L], log.After(59, 100).Select(e => e.Seq));
    }

    [Fact]
    public void AddStored_And_Append_RefuseAGap()
    {
        var events = Events(5);
        var log = new EventLog();
        Assert.Throws<InvalidOperationException>(() => log.AddStored(new StoredEventSegment(2, 3, () => events)));
        log.AddStored(new StoredEventSegment(1, 2, () => events.Take(2).ToList()));
        Assert.Throws<InvalidOperationException>(() => log.Append(events.Skip(3).ToList()));
        log.Append(events.Skip(2).ToList());
        Assert.Throws<InvalidOperationException>(() => log.AddStored(new StoredEventSegment(6, 6, () => [])));
    }

    [Fact]
    public void Trim_KeepsTheLastRetainedEvents_InSteps_AndReadingFromBeforeThemThrows()
    {
        var events = Events(6000);
        var log = new EventLog(retained: 2048);
        log.Append(events.Take(3000).ToList());
        log.Trim(floor: long.MaxValue);
        Assert.Equal(1, log.FirstSeq); // 952 droppable: less than a step (1,024), nothing dropped yet

        log.Append(events.Skip(3000).ToList());
        log.Trim(floor: long.MaxValue);
        Assert.Equal(6000 - 2048 + 1, log.FirstSeq);
        Assert.Equal(6000, log.LastSeq);
        Assert.Equal(events.Skip(3952).Select(e => e.Seq), log.After(3952, 10_000).Select(e => e.Seq));

        var dropped = Assert.Throws<EventsNotRetainedException>(() => log.After(0, 10));
        Assert.Equal(3953, dropped.FirstSeq);
        Assert.Empty(log.After(6000, 10)); // nothing after the last seq is still an empty page, not an error
    }

    [Fact]
    public void Trim_NeverDropsPastTheFloor()
    {
        var log = new EventLog(retained: 1024);
        log.Append(Events(5000));
        log.Trim(floor: 1500);
        Assert.Equal(1501, log.FirstSeq);
        log.Trim(floor: 1600);
        Assert.Equal(1501, log.FirstSeq); // 100 more: below a step
    }

    [Fact]
    public void Trim_DropsWholeStoredSegmentsOnly()
    {
        var events = Events(4000);
        var log = new EventLog(retained: 1024);
        log.AddStored(new StoredEventSegment(1, 1000, () => events.Take(1000).ToList()));
        log.AddStored(new StoredEventSegment(1001, 3500, () => events.Skip(1000).Take(2500).ToList()));
        log.Append(events.Skip(3500).ToList());
        log.Trim(floor: long.MaxValue);

        Assert.Equal(1001, log.FirstSeq); // the second segment straddles the cut and stays whole
        Assert.Equal(events.Skip(1000).Select(e => e.Seq), log.After(1000, 10_000).Select(e => e.Seq));
    }

    private static List<FabricEvent> Events(int count)
    {
        var host = Host.Create(new HostConfiguration("h1", 2, GicVersion.V4_0), out var created);
        var events = created.ToList();
        events.AddRange(host.Apply(new CreateVm("vm1", 1, 8, VmSetup.Ready)).Events);
        for (uint i = 0; events.Count < count; i++)
        {
            events.AddRange(host.Apply(new SignalMsi("vm1", 1, i)).Events);
        }

        return events.Take(count).ToList();
    }
}
