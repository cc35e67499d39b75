using System.Collections.Concurrent;
using System.Text.Json;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Serialization;
using GicService.Infrastructure.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GicService.Infrastructure.Tests.Support;

/// <summary>The infrastructure of one service run on a data directory: SQLite store, registry, recovery done.</summary>
public sealed class DurableService : IAsyncDisposable
{
    private readonly SqliteHostStore _store;

    private DurableService(StorageOptions options)
    {
        Options = options;
        _store = new SqliteHostStore(Microsoft.Extensions.Options.Options.Create(options), Health, new ListLogger<SqliteHostStore>(Log));
        Registry = new HostRegistry(_store, Microsoft.Extensions.Options.Options.Create(options), Microsoft.Extensions.Options.Options.Create(new GicService.Infrastructure.Limits.LimitsOptions()), new ListLogger<HostRegistry>(Log));
    }

    public StorageOptions Options { get; }

    public StorageHealth Health { get; } = new();

    public ConcurrentQueue<(LogLevel Level, string Message)> Log { get; } = new();

    public HostRegistry Registry { get; }

    public SqliteHostStore Store => _store;

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "gicservice-tests", Guid.NewGuid().ToString("N"));

    public static async Task<DurableService> StartAsync(string dataDirectory, int snapshotEvery = 10_000, long? maxDatabaseMiB = null)
    {
        var service = new DurableService(new StorageOptions
        {
            DataDirectory = dataDirectory,
            SnapshotEvery = snapshotEvery,
            MaxDatabaseMiB = maxDatabaseMiB,
            Synchronous = StorageSynchronous.Normal,
        });
        await service.Registry.RecoverAsync(CancellationToken.None);
        return service;
    }

    public IEnumerable<string> Warnings => Log.Where(e => e.Level >= LogLevel.Warning).Select(e => e.Message);

    public async Task<HostRunner> CreateAsync(HostConfiguration configuration) =>
        await Registry.CreateAsync(configuration) ?? throw new InvalidOperationException($"Host {configuration.Id} exists.");

    public HostRunner Host(string id) => Registry.Find(id) ?? throw new InvalidOperationException($"No host {id}.");

    /// <summary>The host's whole state as text (its snapshot's JSON).</summary>
    public static Task<string> StateOf(HostRunner runner) =>
        runner.ReadAsync(h => JsonSerializer.Serialize(h.TakeSnapshot(), GicJson.Options));

    /// <summary>Every event in the host's log, as text (type, fields, seq, host id).</summary>
    public static IReadOnlyList<string> EventsOf(HostRunner runner) => runner.Log.After(0, int.MaxValue).Select(e => e.ToString()).ToList();

    /// <summary>The host's trace inputs, as stored.</summary>
    public static async Task<List<string>> TraceOf(HostRunner runner)
    {
        var trace = await runner.OpenTraceAsync(CancellationToken.None);
        var inputs = new List<string>();
        await foreach (var entry in trace.Inputs)
        {
            inputs.Add(System.Text.Encoding.UTF8.GetString(entry.Json.Span) + (entry.Rejected ? " rejected" : ""));
        }

        return inputs;
    }

    /// <summary>What a plain host, given the same inputs directly, publishes: the reference a recovered host must match.</summary>
    public static (Host Host, List<string> Events) Reference(HostConfiguration configuration, IEnumerable<HostInput> inputs)
    {
        var host = Domain.Hosts.Host.Create(configuration, out var created);
        var events = created.Select(e => e.ToString()).ToList();
        foreach (var input in inputs)
        {
            events.AddRange(host.Apply(input).Events.Select(e => e.ToString()));
        }

        return (host, events);
    }

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        _store.Dispose();
    }

    public static IReadOnlyList<FabricEvent> AllEvents(HostRunner runner) => runner.Log.After(0, int.MaxValue);
}
