using System.Collections.Concurrent;
using GicService.Domain.Hosts;
using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Hosting;

/// <summary>The running hosts of this service, by id.</summary>
public sealed class HostRegistry(ILogger<HostRegistry> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, HostRunner> _hosts = new(StringComparer.Ordinal);
    private int _nextNumber;

    public IEnumerable<HostRunner> All => _hosts.Values.OrderBy(h => h.Id, StringComparer.Ordinal);

    public HostRunner? Find(string hostId) => _hosts.GetValueOrDefault(hostId);

    /// <summary>A host id not in use, "h{n}".</summary>
    public string NextId()
    {
        string id;
        do
        {
            id = $"h{Interlocked.Increment(ref _nextNumber)}";
        }
        while (_hosts.ContainsKey(id));

        return id;
    }

    /// <summary>Builds and starts a host; null when the id is taken.</summary>
    public HostRunner? TryCreate(HostConfiguration configuration)
    {
        if (_hosts.ContainsKey(configuration.Id))
        {
            return null;
        }

        var host = Host.Create(configuration, out var events);
        var log = new EventLog();
        log.Append(events);
        var runner = new HostRunner(host, log, logger);
        if (!_hosts.TryAdd(configuration.Id, runner))
        {
            _ = runner.DisposeAsync();
            return null;
        }

        HostLog.Created(logger, configuration.Id, configuration.Pcpus, configuration.GicVersion.Name());
        return runner;
    }

    public async Task<bool> DeleteAsync(string hostId)
    {
        if (!_hosts.TryRemove(hostId, out var runner))
        {
            return false;
        }

        await runner.DisposeAsync().ConfigureAwait(false);
        HostLog.Deleted(logger, hostId);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var runner in _hosts.Values)
        {
            await runner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
