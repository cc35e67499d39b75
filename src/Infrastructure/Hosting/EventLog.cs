using GicService.Domain.Events;

namespace GicService.Infrastructure.Hosting;

/// <summary>
/// A host's published events in sequence order, readable from any thread while the host's runner
/// appends. Sequence numbers start at 1 and have no gaps. After a restart the events up to the host's
/// snapshot are stored segments, decoded when a reader first asks for them (so a restart costs the
/// snapshot and the inputs after it, not the whole history); the later ones are held as they are published.
/// <para>
/// Only the last <see cref="Retained"/> events stay readable (<c>Limits:EventsRetainedPerHost</c>): older ones are
/// dropped by <see cref="Trim"/>, in steps, and reading from before <see cref="FirstSeq"/> throws
/// <see cref="EventsNotRetainedException"/>. The runner never lets it drop an event the live feed or the next
/// snapshot has yet to take.
/// </para>
/// </summary>
public sealed class EventLog(int retained = int.MaxValue)
{
    private const int DecodedSegmentsKept = 4;
    private const int MinTrimStep = 1024;

    private readonly List<StoredEventSegment> _stored = new();
    private readonly List<FabricEvent> _events = new();
    private readonly LinkedList<(StoredEventSegment Segment, IReadOnlyList<FabricEvent> Events)> _decoded = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource? _appended;
    private long _firstSeq = 1;

    /// <summary>How many of the latest events stay readable.</summary>
    public int Retained { get; } = retained > 0 ? retained : throw new ArgumentOutOfRangeException(nameof(retained));

    /// <summary>The oldest seq still readable (1 until something was dropped).</summary>
    public long FirstSeq
    {
        get
        {
            lock (_lock)
            {
                return _firstSeq;
            }
        }
    }

    public long LastSeq
    {
        get
        {
            lock (_lock)
            {
                return LastSeqLocked;
            }
        }
    }

    private long StoredSeq => _stored.Count == 0 ? 0 : _stored[^1].LastSeq;

    private long LastSeqLocked => _events.Count == 0 ? Math.Max(StoredSeq, _firstSeq - 1) : _events[^1].Seq;

    /// <summary>Events kept in storage, added in order before anything is appended.</summary>
    internal void AddStored(StoredEventSegment segment)
    {
        lock (_lock)
        {
            if (_events.Count > 0 || segment.FirstSeq != StoredSeq + 1 || segment.LastSeq < segment.FirstSeq)
            {
                throw new InvalidOperationException($"Stored events {segment.FirstSeq}-{segment.LastSeq} do not follow {LastSeqLocked}.");
            }

            _stored.Add(segment);
        }
    }

    internal void Append(IReadOnlyList<FabricEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        TaskCompletionSource? wake;
        lock (_lock)
        {
            foreach (var e in events)
            {
                var expected = LastSeqLocked + 1;
                if (e.Seq != expected)
                {
                    throw new InvalidOperationException($"Event seq {e.Seq} does not follow {expected - 1}.");
                }

                _events.Add(e);
            }

            wake = _appended;
            _appended = null;
        }

        // Waiters resume on the thread pool (RunContinuationsAsynchronously), never on the host's loop.
        wake?.TrySetResult();
    }

    /// <summary>
    /// Completes once the log holds an event with seq greater than <paramref name="afterSeq"/>: at once if it
    /// already does. Costs the appending host nothing when nobody waits.
    /// </summary>
    public Task WaitForEventsAfterAsync(long afterSeq, CancellationToken cancellationToken)
    {
        Task appended;
        lock (_lock)
        {
            if (LastSeqLocked > afterSeq)
            {
                return Task.CompletedTask;
            }

            _appended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            appended = _appended.Task;
        }

        return appended.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Drops the oldest events beyond <see cref="Retained"/>, but none after <paramref name="floor"/> (what a reader
    /// inside the service still needs). Drops in steps of at least an eighth of what is retained, so the cost of
    /// copying the kept events is spread over many appends.
    /// </summary>
    internal void Trim(long floor)
    {
        lock (_lock)
        {
            var cut = Math.Min(LastSeqLocked - Retained, floor); // drop every seq up to and including cut
            if (cut - (_firstSeq - 1) < Math.Max(MinTrimStep, Retained / 8))
            {
                return;
            }

            var storedDropped = 0;
            while (storedDropped < _stored.Count && _stored[storedDropped].LastSeq <= cut)
            {
                storedDropped++;
            }

            if (storedDropped == _stored.Count && _events.Count > 0 && _events[0].Seq <= cut)
            {
                _events.RemoveRange(0, (int)Math.Min(cut - _events[0].Seq + 1, _events.Count));
            }

            // A stored segment that straddles the cut stays whole: its older events remain readable a little longer.
            var dropped = _stored.Take(storedDropped).ToHashSet();
            _stored.RemoveRange(0, storedDropped);
            for (var node = _decoded.First; node is not null;)
            {
                var next = node.Next;
                if (dropped.Contains(node.Value.Segment))
                {
                    _decoded.Remove(node);
                }

                node = next;
            }

            _firstSeq = _stored.Count > 0 ? _stored[0].FirstSeq : _events.Count > 0 ? _events[0].Seq : LastSeqLocked + 1;
        }
    }

    /// <summary>
    /// Up to <paramref name="limit"/> events with seq greater than <paramref name="afterSeq"/>, in order. Throws
    /// <see cref="EventsNotRetainedException"/> when some of them were dropped already.
    /// </summary>
    public IReadOnlyList<FabricEvent> After(long afterSeq, int limit)
    {
        lock (_lock)
        {
            var result = new List<FabricEvent>();
            if (afterSeq >= LastSeqLocked)
            {
                // Nothing after it; and seq + 1 must not overflow, nor an offset into _events be truncated to an int.
                return result;
            }

            var next = Math.Max(afterSeq, 0) + 1;
            if (next < _firstSeq)
            {
                throw new EventsNotRetainedException(afterSeq, _firstSeq, Retained);
            }

            while (result.Count < limit && next <= StoredSeq)
            {
                var segment = _stored[FindStored(next)];
                var events = Decoded(segment);
                var start = (int)(next - segment.FirstSeq);
                var count = Math.Min(limit - result.Count, events.Count - start);
                result.AddRange(events.Skip(start).Take(count));
                next += count;
            }

            if (result.Count < limit && _events.Count > 0)
            {
                var start = (int)Math.Max(0, next - _events[0].Seq);
                if (start < _events.Count)
                {
                    result.AddRange(_events.GetRange(start, Math.Min(limit - result.Count, _events.Count - start)));
                }
            }

            return result;
        }
    }

    private int FindStored(long seq)
    {
        int low = 0, high = _stored.Count - 1;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (_stored[middle].LastSeq < seq)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    private IReadOnlyList<FabricEvent> Decoded(StoredEventSegment segment)
    {
        for (var node = _decoded.First; node is not null; node = node.Next)
        {
            if (node.Value.Segment == segment)
            {
                _decoded.Remove(node);
                _decoded.AddFirst(node);
                return node.Value.Events;
            }
        }

        var events = segment.Load();
        if (events.Count != segment.LastSeq - segment.FirstSeq + 1 || events[0].Seq != segment.FirstSeq || events[^1].Seq != segment.LastSeq)
        {
            throw new InvalidDataException($"Stored events {segment.FirstSeq}-{segment.LastSeq} decode to other seq numbers.");
        }

        _decoded.AddFirst((segment, events));
        if (_decoded.Count > DecodedSegmentsKept)
        {
            _decoded.RemoveLast();
        }

        return events;
    }
}

/// <summary>Reading events a host no longer keeps (<c>Limits:EventsRetainedPerHost</c>).</summary>
public sealed class EventsNotRetainedException(long afterSeq, long firstSeq, int retained)
    : Exception($"Events after seq {afterSeq} are no longer kept: this host keeps its last {retained} events (Limits:EventsRetainedPerHost), from seq {firstSeq}.")
{
    public long FirstSeq { get; } = firstSeq;
}

/// <summary>Events <see cref="FirstSeq"/> to <see cref="LastSeq"/> of a host as storage holds them, decoded by <see cref="Load"/>.</summary>
public sealed record StoredEventSegment(long FirstSeq, long LastSeq, Func<IReadOnlyList<FabricEvent>> Load);
