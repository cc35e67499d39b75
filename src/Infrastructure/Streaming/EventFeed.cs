using GicService.Domain.Events;
using GicService.Infrastructure.Hosting;

namespace GicService.Infrastructure.Streaming;

/// <summary>
/// The single live publisher of one host: it follows the host's <see cref="EventLog"/> and offers each event,
/// in seq order, to every live <see cref="EventSubscription"/>. Offering never waits: a subscription whose
/// bounded buffer is full is ended as lagged, so a slow subscriber never slows the host or the others.
/// </summary>
public sealed class EventFeed : IAsyncDisposable
{
    private const int PublishBatch = 1024;

    private readonly Lock _lock = new();
    private readonly List<EventSubscription> _live = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;
    private long _published;

    /// <summary>The last seq offered to live subscriptions (the log keeps everything after it); no limit before anyone subscribed.</summary>
    internal long PublishedSeq => Volatile.Read(ref _loop) is null ? long.MaxValue : Volatile.Read(ref _published);
    private bool _closed;

    public EventFeed(EventLog log)
    {
        Log = log;
    }

    public EventLog Log { get; }

    /// <summary>How many subscriptions follow the live feed (replaying ones are not counted).</summary>
    public int LiveSubscriptions
    {
        get
        {
            lock (_lock)
            {
                return _live.Count;
            }
        }
    }

    /// <summary>
    /// A subscription that yields every event with seq greater than <paramref name="afterSeq"/>: first from the
    /// log, then live, with no gap and no duplicate between the two.
    /// </summary>
    /// <param name="afterSeq">0 for everything; at most the log's last seq.</param>
    /// <param name="bufferCapacity">How many published events the subscriber may fall behind before it is ended as lagged.</param>
    public EventSubscription Subscribe(long afterSeq, int bufferCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferCapacity, 1);
        lock (_lock)
        {
            if (_loop is null && !_closed)
            {
                // Started on first use, so a host nobody watches pays nothing.
                Volatile.Write(ref _published, Log.LastSeq);
                Volatile.Write(ref _loop, Task.Run(RunAsync));
            }
        }

        return new EventSubscription(this, afterSeq, bufferCapacity);
    }

    /// <summary>
    /// Publishes what the log still holds, then ends every subscription as <see cref="SubscriptionEndReason.HostDeleted"/>.
    /// Call once the host's runner has stopped appending.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_lock)
        {
            loop = _loop;
            if (loop is null)
            {
                _closed = true;
                return;
            }
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>
    /// Joins <paramref name="subscription"/> to the live feed if it has caught up with what was published:
    /// the seam between replay and live. Called under no lock of the subscription's own.
    /// </summary>
    internal AttachResult TryAttach(EventSubscription subscription, long cursor)
    {
        lock (_lock)
        {
            if (_closed)
            {
                return cursor >= Log.LastSeq ? AttachResult.Closed : AttachResult.Behind;
            }

            if (cursor < _published)
            {
                return AttachResult.Behind;
            }

            // Every event after _published is offered to the live list after this point, under the same lock.
            subscription.AttachedAt = cursor;
            _live.Add(subscription);
            return AttachResult.Attached;
        }
    }

    internal void Detach(EventSubscription subscription)
    {
        lock (_lock)
        {
            _live.Remove(subscription);
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    await Log.WaitForEventsAfterAsync(Volatile.Read(ref _published), _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    // Stopping: publish what is left below, then close.
                }

                PublishAvailable();
            }

            // The runner appended its last events before stopping was requested.
            PublishAvailable();
        }
        finally
        {
            lock (_lock)
            {
                _closed = true;
                foreach (var subscription in _live)
                {
                    subscription.Close(SubscriptionEndReason.HostDeleted);
                }

                _live.Clear();
            }
        }
    }

    private void PublishAvailable()
    {
        while (true)
        {
            var batch = Log.After(Volatile.Read(ref _published), PublishBatch);
            if (batch.Count == 0)
            {
                return;
            }

            lock (_lock)
            {
                for (var i = _live.Count - 1; i >= 0; i--)
                {
                    var subscription = _live[i];
                    foreach (var e in batch)
                    {
                        if (!subscription.Offer(e))
                        {
                            subscription.Close(SubscriptionEndReason.Lagged);
                            _live.RemoveAt(i);
                            break;
                        }
                    }
                }

                Volatile.Write(ref _published, batch[^1].Seq);
            }
        }
    }

    internal enum AttachResult
    {
        Attached,
        Behind,
        Closed,
    }
}
