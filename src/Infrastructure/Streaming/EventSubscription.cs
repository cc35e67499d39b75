using System.Runtime.CompilerServices;
using System.Threading.Channels;
using GicService.Domain.Events;

namespace GicService.Infrastructure.Streaming;

/// <summary>
/// One subscriber's view of a host's events: <see cref="ReadAllAsync"/> replays the log after the starting seq at
/// the subscriber's own pace, then switches to the live feed once it has caught up, through a bounded buffer.
/// The buffer holds references to events the log already keeps, so its bound is a bound on how far behind
/// the live feed a subscriber may fall, not a copy of the data.
/// </summary>
public sealed class EventSubscription : IAsyncDisposable
{
    private const int ReplayBatch = 512;

    private readonly EventFeed _feed;
    private readonly Channel<FabricEvent> _buffer;
    private long _cursor;
    private int _closeReason = -1;
    private int _reading;

    internal EventSubscription(EventFeed feed, long afterSeq, int bufferCapacity)
    {
        _feed = feed;
        AfterSeq = afterSeq;
        BufferCapacity = bufferCapacity;
        _cursor = afterSeq;
        _buffer = Channel.CreateBounded<FabricEvent>(new BoundedChannelOptions(bufferCapacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: full means lagged, never a wait
        });
    }

    public long AfterSeq { get; }

    public int BufferCapacity { get; }

    /// <summary>The last seq the reader has finished with (it asked for the next one), or <see cref="AfterSeq"/>.</summary>
    public long LastSeq => Volatile.Read(ref _cursor);

    /// <summary>Set once <see cref="ReadAllAsync"/> has finished without being cancelled.</summary>
    public SubscriptionEnd? End { get; private set; }

    /// <summary>
    /// Every event after <see cref="AfterSeq"/>, in seq order without gap or repeat, until the subscription is
    /// lagged, the host is deleted or <paramref name="cancellationToken"/> fires. <see cref="End"/> then says why
    /// and the last seq yielded. Enumerate once.
    /// </summary>
    public async IAsyncEnumerable<FabricEvent> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) != 0)
        {
            throw new InvalidOperationException("A subscription is read once.");
        }

        // Replay from the log until the subscriber has caught up with what the feed has published.
        while (true)
        {
            var attach = _feed.TryAttach(this, _cursor);
            if (attach == EventFeed.AttachResult.Attached)
            {
                break;
            }

            if (attach == EventFeed.AttachResult.Closed)
            {
                End = new SubscriptionEnd(SubscriptionEndReason.HostDeleted, _cursor);
                yield break;
            }

            IReadOnlyList<FabricEvent> replayed;
            try
            {
                replayed = _feed.Log.After(_cursor, ReplayBatch);
            }
            catch (Hosting.EventsNotRetainedException)
            {
                // Fell so far behind that the log dropped what comes next: as lagged, with what was delivered intact.
                End = new SubscriptionEnd(SubscriptionEndReason.Lagged, _cursor);
                yield break;
            }

            foreach (var e in replayed)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return e;
                _cursor = e.Seq;
            }
        }

        // Live: the feed offers every event after the seq it had published when this subscription attached.
        // Once lagged, what is still buffered is left to the log: the subscriber hears where to resume sooner.
        while (!IsLagged && await _buffer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (!IsLagged && _buffer.Reader.TryRead(out var e))
            {
                if (e.Seq <= _cursor)
                {
                    continue; // already replayed (Offer filters these; kept as a guard)
                }

                if (e.Seq != _cursor + 1)
                {
                    throw new InvalidOperationException($"Live feed skipped from seq {_cursor} to {e.Seq}.");
                }

                yield return e;
                _cursor = e.Seq;
            }
        }

        End = new SubscriptionEnd((SubscriptionEndReason)Volatile.Read(ref _closeReason), _cursor);
    }

    private bool IsLagged => Volatile.Read(ref _closeReason) == (int)SubscriptionEndReason.Lagged;

    /// <summary>Leaves the live feed; a running <see cref="ReadAllAsync"/> finishes after what is buffered.</summary>
    public ValueTask DisposeAsync()
    {
        _feed.Detach(this);
        Close(SubscriptionEndReason.Cancelled);
        return ValueTask.CompletedTask;
    }

    /// <summary>Set by the feed, under its lock, as this subscription joins the live list: the last seq it replayed.</summary>
    internal long AttachedAt { get; set; }

    /// <summary>
    /// Called by the feed under its lock; never waits. Events the subscriber already replayed (the feed may trail
    /// the log a little) are accepted without taking buffer space. False when the buffer is full.
    /// </summary>
    internal bool Offer(FabricEvent e) => e.Seq <= AttachedAt || _buffer.Writer.TryWrite(e);

    internal void Close(SubscriptionEndReason reason)
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)reason, -1) == -1)
        {
            _buffer.Writer.TryComplete();
        }
    }
}
