using System.Threading.Channels;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Infrastructure.Storage;
using GicService.Infrastructure.Streaming;
using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Hosting;

/// <summary>
/// Runs one host as a single writer: inputs and reads are queued and executed one at a time on the
/// host's own loop, so the domain needs no locks and hosts run in parallel with each other. A read sees
/// the state between two inputs, never in the middle of one.
/// <para>
/// Journal first, then apply: the inputs waiting in the queue are appended to the journal together (one
/// group commit) and applied only once that write is durable, so an acknowledged input is never lost and
/// an input whose write failed was never applied (it fails with <see cref="StorageUnavailableException"/>).
/// Every input is journaled, accepted or not; a refused one changes nothing when replayed either, and is
/// marked rejected afterwards. Every <see cref="HostRunnerSettings.SnapshotEvery"/> inputs the host's state
/// and the events since the previous snapshot are written in the background.
/// </para>
/// </summary>
public sealed class HostRunner : IAsyncDisposable
{
    private const int MaxGroupsInFlight = 4;
    private static readonly Task<StorageUnavailableException?> NoFailure = Task.FromResult<StorageUnavailableException?>(null);

    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Host _host;
    private readonly IHostJournal _journal;
    private readonly HostRunnerSettings _settings;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _stored = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private List<long> _rejected = new();
    private long _inputs;
    private long _journaled;
    private long _snapshotIndex;
    private long _storedEventsSeq;
    private PendingSnapshot? _pendingSnapshot;
    private readonly Queue<(WorkItem[] Items, Task<StorageUnavailableException?> Write, int Generation)> _inFlight = new();
    private int _generation;
    private bool _deleted;

    /// <summary>A running host; a new one (<paramref name="position"/> null) stores its creation before anything else.</summary>
    internal HostRunner(Host host, EventLog log, IHostJournal journal, RecoveredPosition? position, IReadOnlyList<long> rejected,
        HostRunnerSettings settings, ILogger logger)
    {
        _host = host;
        Log = log;
        Feed = new EventFeed(log);
        _journal = journal;
        _settings = settings;
        _logger = logger;
        _rejected.AddRange(rejected);
        if (position is { } p)
        {
            (_inputs, _snapshotIndex, _storedEventsSeq) = (p.Inputs, p.SnapshotIndex, p.StoredEventsSeq);
            _journaled = _inputs;
            _stored.SetResult();
        }
        else
        {
            _queue.Writer.TryWrite(new CreateItem(this));
        }

        _loop = Task.Run(RunAsync);
    }

    public string Id => _host.Id;

    public HostConfiguration Configuration => _host.Configuration;

    public EventLog Log { get; }

    /// <summary>The host's live publisher: subscriptions replay <see cref="Log"/> and then follow it.</summary>
    public EventFeed Feed { get; }

    /// <summary>Completes once the host's creation is durable (at once for a recovered host).</summary>
    internal Task Stored => _stored.Task;

    /// <summary>Applies <paramref name="input"/> once it is journaled, and maps its outcome on the host's loop, before the next input runs.</summary>
    public Task<T> ExecuteAsync<T>(HostInput input, Func<Host, Applied, T> map) => Enqueue(new InputItem<T>(input, map));

    /// <summary>Reads the host's state between inputs.</summary>
    public Task<T> ReadAsync<T>(Func<Host, T> read) => Enqueue(new ReadItem<T>(read));

    /// <summary>Journals and applies <paramref name="inputs"/> in order (a replayed trace), in chunks; returns how many were applied.</summary>
    public Task<long> ExecuteAllAsync(IReadOnlyList<HostInput> inputs) => Enqueue(new SequenceItem(inputs));

    /// <summary>The host's configuration, its number of inputs now, and those inputs as journaled.</summary>
    public Task<HostTrace> OpenTraceAsync(CancellationToken cancellationToken) => ReadAsync(host =>
    {
        // Rejection marks ride with later writes; those not stored yet are known here.
        var unstored = _rejected.Concat(_pendingSnapshot?.Marks ?? []).ToHashSet();
        var entries = _journal.ReadAsync(_inputs, cancellationToken);
        return new HostTrace(host.Configuration, _inputs, unstored.Count == 0 ? entries : Mark(entries, unstored, cancellationToken));
    });

    private static async IAsyncEnumerable<JournalEntry> Mark(IAsyncEnumerable<JournalEntry> entries, HashSet<long> rejected,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var entry in entries.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return rejected.Contains(entry.Index) ? entry with { Rejected = true } : entry;
        }
    }

    /// <summary>Deletes the host durably; false if it was already deleted.</summary>
    internal Task<bool> DeleteAsync() => Enqueue(new DeleteItem());

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await Feed.DisposeAsync().ConfigureAwait(false);
        if (_pendingSnapshot is { } pending)
        {
            try
            {
                await pending.Write.ConfigureAwait(false);
            }
            catch (StorageUnavailableException)
            {
                // Logged when it failed; the journal still holds every input.
            }
        }
    }

    private Task<T> Enqueue<T>(WorkItem<T> item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            return Task.FromException<T>(new HostDeletedException(Id));
        }

        return item.Task;
    }

    // ---------------------------------------------------------------- the loop

    /// <summary>
    /// Drains what is queued into a group, submits the group's inputs to the journal and, without waiting,
    /// goes on to the next group: up to <see cref="MaxGroupsInFlight"/> groups are being written at once, so
    /// the store's group commit finds many inputs waiting. Groups are applied strictly in order, each once its
    /// write is durable; a group whose write failed fails, and so do the groups written after it.
    /// </summary>
    private async Task RunAsync()
    {
        var drained = new List<WorkItem>();
        var group = new List<WorkItem>();
        while (true)
        {
            if (!_queue.Reader.TryPeek(out _))
            {
                if (_inFlight.Count > 0)
                {
                    await ApplyOldestAsync().ConfigureAwait(false);
                    MaybeSnapshot();
                    continue;
                }

                if (!await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    break;
                }
            }

            drained.Clear();
            var inputs = 0;
            while (inputs < _settings.MaxGroupInputs && _queue.Reader.TryRead(out var item))
            {
                drained.Add(item);
                inputs += item is IGroupItem { Input: not null } ? 1 : 0;
            }

            foreach (var item in drained)
            {
                if (_deleted)
                {
                    item.Fail(new HostDeletedException(Id));
                }
                else if (item is IGroupItem)
                {
                    group.Add(item);
                }
                else
                {
                    // Creation, deletion and replays do their own storage work, after everything before them.
                    Submit(group);
                    await ApplyAllAsync().ConfigureAwait(false);
                    await item.RunAsync(this).ConfigureAwait(false);
                }
            }

            Submit(group);
            while (_inFlight.Count >= MaxGroupsInFlight)
            {
                await ApplyOldestAsync().ConfigureAwait(false);
            }

            MaybeSnapshot();
        }

        await ApplyAllAsync().ConfigureAwait(false);
    }

    /// <summary>Starts the journal write of the group's inputs (if any) and queues the group to be applied once it is durable.</summary>
    private void Submit(List<WorkItem> group)
    {
        if (group.Count == 0)
        {
            return;
        }

        var inputs = group.OfType<IGroupItem>().Where(i => i.Input is not null).Select(i => i.Input!).ToList();
        _inFlight.Enqueue((group.ToArray(), inputs.Count > 0 ? AppendAsync(inputs) : NoFailure, _generation));
        group.Clear();
    }

    private async Task ApplyAllAsync()
    {
        while (_inFlight.Count > 0)
        {
            await ApplyOldestAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits for the oldest group's write, then runs its inputs (or fails them) and reads in order.</summary>
    private async Task ApplyOldestAsync()
    {
        var (items, write, generation) = _inFlight.Dequeue();
        var failure = await write.ConfigureAwait(false);
        if (generation != _generation)
        {
            // Written after a write that failed: it cannot stand (the store refuses it; if a failure was only
            // reported, the next write replaces it), so it fails too.
            failure ??= new StorageUnavailableException("An earlier write of this host failed; nothing was applied.");
        }
        else if (failure is not null)
        {
            // Every later write of this host fails too; numbering restarts after the last applied input.
            RestartNumbering();
        }

        foreach (var item in items)
        {
            if (item is IGroupItem { Input: not null } && failure is not null)
            {
                item.Fail(failure);
            }
            else
            {
                item.Run(this);
            }
        }
    }

    private void RestartNumbering()
    {
        _journaled = _inputs;
        _generation++;
    }

    /// <summary>Journals inputs after those already submitted; the store refuses them unless the input before them is stored.</summary>
    private async Task<StorageUnavailableException?> AppendAsync(IReadOnlyList<HostInput> inputs)
    {
        var marks = _rejected;
        _rejected = new List<long>();
        var first = _journaled + 1;
        _journaled += inputs.Count;
        try
        {
            await _journal.AppendAsync(first, inputs, marks).ConfigureAwait(false);
            return null;
        }
        catch (StorageUnavailableException ex)
        {
            _rejected.InsertRange(0, marks);
            return ex;
        }
    }

    /// <summary>Applies one journaled input: the host's events go to the log, a refusal is marked in the journal.</summary>
    private Applied Apply(HostInput input)
    {
        var index = ++_inputs;
        var applied = _host.Apply(input);
        if (applied.Events.Count > 0)
        {
            Log.Append(applied.Events);
            Log.Trim(RetentionFloor());
        }
        if (!applied.Accepted)
        {
            _rejected.Add(index);
        }

        HostLog.Applied(_logger, _host.Id, input.GetType().Name, applied.Accepted, applied.Events.Count);
        foreach (var e in applied.Events)
        {
            HostLog.Event(_logger, _host.Id, e.Seq, e.Type);
        }

        return applied;
    }

    /// <summary>The newest seq the log may drop up to: the live feed and the next snapshot (or a retried one) still read after it.</summary>
    private long RetentionFloor()
    {
        var floor = Feed.PublishedSeq;
        if (_settings.Snapshots)
        {
            floor = Math.Min(floor, _pendingSnapshot?.PreviousStoredEventsSeq ?? _storedEventsSeq);
        }

        return floor;
    }

    // ---------------------------------------------------------------- snapshots

    private sealed record PendingSnapshot(long Index, long StoredEventsSeq, long PreviousIndex, long PreviousStoredEventsSeq, List<long> Marks, Task Write);

    private void MaybeSnapshot()
    {
        if (_pendingSnapshot is { } pending)
        {
            if (!pending.Write.IsCompleted)
            {
                return;
            }

            _pendingSnapshot = null;
            if (!pending.Write.IsCompletedSuccessfully)
            {
                // Not stored: the next snapshot covers these events again, and the marks ride with a later write.
                (_snapshotIndex, _storedEventsSeq) = (pending.PreviousIndex, pending.PreviousStoredEventsSeq);
                _rejected.InsertRange(0, pending.Marks);
            }
        }

        if (_deleted || !_settings.Snapshots || _inputs - _snapshotIndex < _settings.SnapshotEvery)
        {
            return;
        }

        var snapshot = _host.TakeSnapshot();
        var events = Log.After(_storedEventsSeq, int.MaxValue);
        var marks = _rejected;
        _rejected = new List<long>();
        var write = WriteSnapshotAsync(_inputs, snapshot, events, marks);
        _pendingSnapshot = new PendingSnapshot(_inputs, snapshot.LastSeq, _snapshotIndex, _storedEventsSeq, marks, write);
        (_snapshotIndex, _storedEventsSeq) = (_inputs, snapshot.LastSeq);
    }

    private async Task WriteSnapshotAsync(long index, Domain.Snapshots.HostSnapshot snapshot, IReadOnlyList<Domain.Events.FabricEvent> events, List<long> marks)
    {
        try
        {
            await _journal.SnapshotAsync(index, snapshot, events, marks).ConfigureAwait(false);
        }
        catch (StorageUnavailableException ex)
        {
            Storage.StorageLog.SnapshotFailed(_logger, ex, _host.Id, index);
            throw;
        }
    }

    // ---------------------------------------------------------------- work items

    private abstract class WorkItem
    {
        public abstract void Fail(Exception exception);

        /// <summary>Runs an input (already journaled) or a read on the loop.</summary>
        public virtual void Run(HostRunner runner) => throw new InvalidOperationException($"{GetType().Name} runs on its own.");

        /// <summary>Runs an item that does its own storage work.</summary>
        public virtual Task RunAsync(HostRunner runner) => throw new InvalidOperationException($"{GetType().Name} runs in a group.");
    }

    private abstract class WorkItem<T> : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override void Fail(Exception exception) => _completion.TrySetException(exception);

        protected void Complete(Func<T> work)
        {
            try
            {
                _completion.SetResult(work());
            }
            catch (Exception ex)
            {
                // A throw from the domain is a bug; it reaches the caller (and its exception handler), not the loop.
                _completion.SetException(ex);
            }
        }

        protected void Complete(T result) => _completion.SetResult(result);
    }

    /// <summary>An input or a read: runs in a group, after the group's inputs are journaled.</summary>
    private interface IGroupItem
    {
        HostInput? Input { get; }
    }

    private sealed class InputItem<T>(HostInput input, Func<Host, Applied, T> map) : WorkItem<T>, IGroupItem
    {
        public HostInput Input => input;

        public override void Run(HostRunner runner) => Complete(() => map(runner._host, runner.Apply(input)));
    }

    private sealed class ReadItem<T>(Func<Host, T> read) : WorkItem<T>, IGroupItem
    {
        public HostInput? Input => null;

        public override void Run(HostRunner runner) => Complete(() => read(runner._host));
    }

    private sealed class CreateItem(HostRunner runner) : WorkItem<bool>
    {
        public override async Task RunAsync(HostRunner self)
        {
            try
            {
                await runner._journal.CreateAsync().ConfigureAwait(false);
                runner._stored.SetResult();
                Complete(true);
            }
            catch (StorageUnavailableException ex)
            {
                // The host never existed: whatever queued behind its creation finds it gone.
                runner._deleted = true;
                runner._queue.Writer.TryComplete();
                runner._stored.SetException(ex);
                Fail(ex);
            }
        }
    }

    private sealed class DeleteItem : WorkItem<bool>
    {
        public override async Task RunAsync(HostRunner runner)
        {
            try
            {
                await runner._journal.DeleteAsync().ConfigureAwait(false);
            }
            catch (StorageUnavailableException ex)
            {
                Fail(ex);
                return;
            }

            runner._deleted = true;
            runner._queue.Writer.TryComplete();
            Complete(true);
        }
    }

    private sealed class SequenceItem(IReadOnlyList<HostInput> inputs) : WorkItem<long>
    {
        public override async Task RunAsync(HostRunner runner)
        {
            var done = 0;
            while (done < inputs.Count)
            {
                var chunk = inputs.Skip(done).Take(runner._settings.MaxGroupInputs).ToList();
                if (await runner.AppendAsync(chunk).ConfigureAwait(false) is { } failure)
                {
                    runner.RestartNumbering();
                    Fail(failure);
                    return;
                }

                foreach (var input in chunk)
                {
                    try
                    {
                        runner.Apply(input);
                    }
                    catch (Exception ex)
                    {
                        // As on the live path: a domain bug is reported, and the host goes on as a replay of its journal would.
                        HostLog.ApplyFailed(runner._logger, ex, runner.Id, input.GetType().Name);
                    }
                }

                done += chunk.Count;
                runner.MaybeSnapshot();
            }

            Complete(done);
        }
    }
}

/// <summary>How a host's loop batches and snapshots.</summary>
public sealed record HostRunnerSettings(bool Snapshots, int SnapshotEvery, int MaxGroupInputs);

/// <summary>Where a recovered host stands: inputs applied, inputs at its last stored snapshot, events stored up to.</summary>
internal readonly record struct RecoveredPosition(long Inputs, long SnapshotIndex, long StoredEventsSeq);

/// <summary>A host's trace: configuration, input count when it was opened, and the journaled inputs up to there.</summary>
public sealed record HostTrace(HostConfiguration Configuration, long InputCount, IAsyncEnumerable<JournalEntry> Inputs);
