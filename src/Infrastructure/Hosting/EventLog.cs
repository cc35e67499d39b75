using GicService.Domain.Events;

namespace GicService.Infrastructure.Hosting;

/// <summary>
/// A host's published events in sequence order, readable from any thread while the host's runner
/// appends. Sequence numbers start at 1 and have no gaps, so event n sits at index n - 1.
/// </summary>
public sealed class EventLog
{
    private readonly List<FabricEvent> _events = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource? _appended;

    public long LastSeq
    {
        get
        {
            lock (_lock)
            {
                return _events.Count == 0 ? 0 : _events[^1].Seq;
            }
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
                var expected = (_events.Count == 0 ? 0 : _events[^1].Seq) + 1;
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
            if (_events.Count > 0 && _events[^1].Seq > afterSeq)
            {
                return Task.CompletedTask;
            }

            _appended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            appended = _appended.Task;
        }

        return appended.WaitAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="limit"/> events with seq greater than <paramref name="afterSeq"/>, in order.</summary>
    public IReadOnlyList<FabricEvent> After(long afterSeq, int limit)
    {
        lock (_lock)
        {
            if (_events.Count == 0)
            {
                return [];
            }

            var first = _events[0].Seq;
            var start = (int)Math.Max(0, afterSeq - first + 1);
            if (start >= _events.Count)
            {
                return [];
            }

            var count = Math.Min(limit, _events.Count - start);
            return _events.GetRange(start, count);
        }
    }
}
