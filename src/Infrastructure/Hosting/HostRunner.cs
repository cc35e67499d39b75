using System.Threading.Channels;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Infrastructure.Streaming;
using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Hosting;

/// <summary>
/// Runs one host as a single writer: inputs and reads are queued and executed one at a time on the
/// host's own loop, so the domain needs no locks and hosts run in parallel with each other. A read sees
/// the state between two inputs, never in the middle of one.
/// </summary>
public sealed class HostRunner : IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Host _host;
    private readonly ILogger _logger;
    private readonly Task _loop;

    internal HostRunner(Host host, EventLog log, ILogger logger)
    {
        _host = host;
        Log = log;
        Feed = new EventFeed(log);
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    public string Id => _host.Id;

    public HostConfiguration Configuration => _host.Configuration;

    public EventLog Log { get; }

    /// <summary>The host's live publisher: subscriptions replay <see cref="Log"/> and then follow it.</summary>
    public EventFeed Feed { get; }

    /// <summary>Applies <paramref name="input"/> and maps its outcome on the host's loop, before the next input runs.</summary>
    public Task<T> ExecuteAsync<T>(HostInput input, Func<Host, Applied, T> map) =>
        Enqueue(new WorkItem<T>(host =>
        {
            var applied = host.Apply(input);
            Log.Append(applied.Events);
            HostLog.Applied(_logger, host.Id, input.GetType().Name, applied.Accepted, applied.Events.Count);
            foreach (var e in applied.Events)
            {
                HostLog.Event(_logger, host.Id, e.Seq, e.Type);
            }

            return map(host, applied);
        }));

    /// <summary>Reads the host's state between inputs.</summary>
    public Task<T> ReadAsync<T>(Func<Host, T> read) => Enqueue(new WorkItem<T>(read));

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        await Feed.DisposeAsync().ConfigureAwait(false);
    }

    private Task<T> Enqueue<T>(WorkItem<T> item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            return Task.FromException<T>(new HostDeletedException(Id));
        }

        return item.Task;
    }

    private async Task RunAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            item.Run(_host);
        }
    }

    private abstract class WorkItem
    {
        public abstract void Run(Host host);
    }

    private sealed class WorkItem<T>(Func<Host, T> work) : WorkItem
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override void Run(Host host)
        {
            try
            {
                _completion.SetResult(work(host));
            }
            catch (Exception ex)
            {
                // A throw from the domain is a bug; it reaches the caller (and its exception handler), not the loop.
                _completion.SetException(ex);
            }
        }
    }
}
