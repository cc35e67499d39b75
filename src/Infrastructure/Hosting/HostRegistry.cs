using System.Collections.Concurrent;
using System.Diagnostics;
using GicService.Domain.Hosts;
using GicService.Infrastructure.Limits;
using GicService.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GicService.Infrastructure.Hosting;

/// <summary>The running hosts of this service, by id; created, deleted and recovered through the store.</summary>
public sealed class HostRegistry(IHostStore store, IOptions<StorageOptions> options, IOptions<LimitsOptions> limits, ILogger<HostRegistry> logger)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _creating = new(1, 1);
    private readonly ConcurrentDictionary<string, HostRunner> _hosts = new(StringComparer.Ordinal);
    private readonly HostRunnerSettings _settings = new(store.Durable, options.Value.SnapshotEvery, options.Value.MaxBatchInputs);
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

    /// <summary>
    /// Builds and starts a host, under this service's <see cref="LimitsOptions.HostLimits"/>, once its creation is
    /// stored; null when the id is taken. Throws
    /// <see cref="LimitExceededException"/> when the service already runs <see cref="LimitsOptions.Hosts"/> hosts or the
    /// host would have more than <see cref="LimitsOptions.PcpusPerHost"/> pCPUs, and
    /// <see cref="StorageUnavailableException"/> (and no host exists) when its creation cannot be stored.
    /// </summary>
    public async Task<HostRunner?> CreateAsync(HostConfiguration configuration)
    {
        // The host keeps the tighter of its own limits (a replayed trace's) and the service's (docs/decisions.md, 33).
        configuration = configuration with { Limits = configuration.EffectiveLimits.Min(limits.Value.HostLimits) };

        // One creation at a time, so the count and the id are checked against what really exists (creation is rare).
        await _creating.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_hosts.ContainsKey(configuration.Id))
            {
                return null;
            }

            if (_hosts.Count >= limits.Value.Hosts)
            {
                throw new LimitExceededException(LimitsOptions.Key(nameof(LimitsOptions.Hosts)),
                    $"The service already runs {_hosts.Count} hosts, its limit; delete one first.");
            }

            if (configuration.Pcpus > limits.Value.PcpusPerHost)
            {
                throw new LimitExceededException(LimitsOptions.Key(nameof(LimitsOptions.PcpusPerHost)),
                    $"A host may have at most {limits.Value.PcpusPerHost} pCPUs (asked for {configuration.Pcpus}).");
            }

            var host = Host.Create(configuration, out var events);
            var log = new EventLog(limits.Value.EventsRetainedPerHost);
            log.Append(events);
            var runner = new HostRunner(host, log, store.NewJournal(configuration), null, [], _settings, logger);
            _hosts[configuration.Id] = runner;
            try
            {
                await runner.Stored.ConfigureAwait(false);
            }
            catch (StorageUnavailableException)
            {
                _hosts.TryRemove(new KeyValuePair<string, HostRunner>(configuration.Id, runner));
                await runner.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            HostLog.Created(logger, configuration.Id, configuration.Pcpus, configuration.GicVersion.Name());
            return runner;
        }
        finally
        {
            _creating.Release();
        }
    }

    /// <summary>Deletes a host and its stored data; false when there is no such host. Throws <see cref="StorageUnavailableException"/> (and the host stays) when the deletion cannot be stored.</summary>
    public async Task<bool> DeleteAsync(string hostId)
    {
        if (Find(hostId) is not { } runner)
        {
            return false;
        }

        try
        {
            await runner.DeleteAsync().ConfigureAwait(false);
        }
        catch (HostDeletedException)
        {
            return false;
        }

        _hosts.TryRemove(new KeyValuePair<string, HostRunner>(hostId, runner));
        await runner.DisposeAsync().ConfigureAwait(false);
        HostLog.Deleted(logger, hostId);
        return true;
    }

    /// <summary>Rebuilds every stored host: its latest snapshot, then the journal after it (at start, before requests are served).</summary>
    internal async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var stored = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        foreach (var host in stored)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _hosts[host.Configuration.Id] = Recover(host);
        }

        if (store.Durable)
        {
            HostLog.RecoveredAll(logger, stored.Count, clock.ElapsedMilliseconds);
        }
    }

    private HostRunner Recover(StoredHost stored)
    {
        var clock = Stopwatch.StartNew();
        Host? host = null;
        var log = new EventLog(limits.Value.EventsRetainedPerHost);
        long from = 0;
        if (stored.Snapshot is { } snapshot)
        {
            try
            {
                host = Host.FromSnapshot(snapshot);
                foreach (var segment in stored.Events)
                {
                    log.AddStored(segment);
                }

                if (log.LastSeq != snapshot.LastSeq)
                {
                    throw new InvalidOperationException($"the stored events end at seq {log.LastSeq}, the snapshot at {snapshot.LastSeq}");
                }

                from = stored.SnapshotIndex;
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or InvalidOperationException or KeyNotFoundException)
            {
                HostLog.SnapshotUnusable(logger, stored.Configuration.Id, stored.SnapshotIndex, ex.Message);
                host = null;
                log = new EventLog(limits.Value.EventsRetainedPerHost);
            }
        }

        if (host is null)
        {
            host = Host.Create(stored.Configuration, out var created);
            log.Append(created);
        }

        var inputs = from;
        var rejected = new List<long>();
        foreach (var (index, input) in stored.InputsAfter(from))
        {
            inputs = index;
            Domain.Hosts.Applied applied;
            try
            {
                applied = host.Apply(input);
            }
            catch (Exception ex)
            {
                // The live host went on after the same throw; so does its replay.
                HostLog.ApplyFailed(logger, ex, host.Id, input.GetType().Name);
                continue;
            }

            log.Append(applied.Events);
            if (!applied.Accepted)
            {
                rejected.Add(index);
            }
        }

        var position = new RecoveredPosition(inputs, from, from == 0 ? 0 : stored.Snapshot!.LastSeq);
        HostLog.Recovered(logger, host.Id, inputs, inputs - from, from, host.LastSeq, clock.ElapsedMilliseconds);
        return new HostRunner(host, log, stored.Journal, position, rejected, _settings, logger);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var runner in _hosts.Values)
        {
            await runner.DisposeAsync().ConfigureAwait(false);
        }
    }
}
