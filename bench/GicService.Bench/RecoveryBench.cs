using System.Diagnostics;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GicService.Bench;

/// <summary>
/// Restart time of a host with many journaled inputs (default 1,000,000 of <see cref="BenchWorkload"/>):
/// the inputs are journaled and applied through a host runner (snapshots every 10,000 by default), the
/// service is stopped, and a new store and registry recover it from the same directory, timed. The same
/// is done with snapshots off (every input replayed) for comparison, and the two recovered hosts are
/// checked against each other.
/// </summary>
public static class RecoveryBench
{
    public static async Task RunAsync(int inputs)
    {
        Console.WriteLine($"Recovery benchmark: {inputs:N0} journaled inputs, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| snapshots | journal written in | database | restart (recovery) | inputs replayed | events | memory after |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        var withSnapshots = await MeasureAsync(inputs, snapshotEvery: 10_000);
        var withoutSnapshots = await MeasureAsync(inputs, snapshotEvery: int.MaxValue);
        if (withSnapshots != withoutSnapshots)
        {
            throw new InvalidOperationException("The host recovered from snapshots differs from the host recovered from the whole journal.");
        }

        Console.WriteLine();
        Console.WriteLine("Both recoveries rebuilt the same host (same last seq and state).");
    }

    private static async Task<(long LastSeq, int State)> MeasureAsync(int inputs, int snapshotEvery)
    {
        var data = Path.Combine(Path.GetTempPath(), "gicservice-bench", Guid.NewGuid().ToString("N"));
        var options = Options.Create(new StorageOptions { DataDirectory = data, SnapshotEvery = snapshotEvery, Synchronous = StorageSynchronous.Full });
        try
        {
            var write = Stopwatch.StartNew();
            await using (var first = await StartAsync(options))
            {
                var runner = (await first.Registry.CreateAsync(BenchWorkload.Configuration("big")))!;
                await runner.ExecuteAllAsync(BenchWorkload.Setup());
                const int chunk = 50_000;
                for (long n = 0; n < inputs; n += chunk)
                {
                    await runner.ExecuteAllAsync(Enumerable.Range(0, (int)Math.Min(chunk, inputs - n)).Select(i => BenchWorkload.Input(n + i)).ToList());
                }
            }

            write.Stop();
            var size = Directory.GetFiles(data).Sum(f => new FileInfo(f).Length);
            GC.Collect();
            var recover = Stopwatch.StartNew();
            await using var second = await StartAsync(options);
            recover.Stop();
            var host = second.Registry.Find("big")!;
            var (lastSeq, state) = await host.ReadAsync(h => (h.LastSeq, h.TakeSnapshot().Vms.Sum(v => v.Lpis.Count(l => l.Pending)) * 31 + h.Vms[0].Its.Devices.Count));
            var replayed = second.Log.FirstOrDefault(l => l.StartsWith("Host big recovered", StringComparison.Ordinal)) ?? "?";
            Console.WriteLine($"| {(snapshotEvery == int.MaxValue ? "off" : $"every {snapshotEvery:N0}")} | {write.Elapsed.TotalSeconds:F1} s | {size / (1024.0 * 1024):F0} MiB | {recover.Elapsed.TotalSeconds:F2} s | {Replayed(replayed)} | {lastSeq:N0} | {GC.GetTotalMemory(true) / (1024.0 * 1024):F0} MiB |");
            return (lastSeq, state);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(data, recursive: true);
        }
    }

    private static string Replayed(string line)
    {
        var open = line.IndexOf('(', StringComparison.Ordinal);
        var close = line.IndexOf(" replayed", StringComparison.Ordinal);
        return open >= 0 && close > open ? line[(open + 1)..close] : "?";
    }

    private static async Task<Service> StartAsync(IOptions<StorageOptions> options)
    {
        var service = new Service(options);
        await service.Registry.RecoverAsync(CancellationToken.None);
        return service;
    }

    private sealed class Service : IAsyncDisposable
    {
        private readonly SqliteHostStore _store;

        public Service(IOptions<StorageOptions> options)
        {
            _store = new SqliteHostStore(options, new StorageHealth(), NullLogger<SqliteHostStore>.Instance);
            Registry = new HostRegistry(_store, options, Microsoft.Extensions.Options.Options.Create(new GicService.Infrastructure.Limits.LimitsOptions()), new LineLogger<HostRegistry>(Log));
        }

        public List<string> Log { get; } = new();

        public HostRegistry Registry { get; }

        public async ValueTask DisposeAsync()
        {
            await Registry.DisposeAsync();
            _store.Dispose();
        }
    }

    private sealed class LineLogger<T>(List<string> lines) : Microsoft.Extensions.Logging.ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Information;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add(formatter(state, exception));
            }
        }
    }
}
