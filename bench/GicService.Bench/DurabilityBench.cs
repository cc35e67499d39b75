using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace GicService.Bench;

/// <summary>
/// Inputs per second with durability off (memory) and on (SQLite, synchronous Full and Normal), measured in
/// the same run on the same workload (<see cref="BenchWorkload"/>):
/// <list type="bullet">
/// <item>runner: 4 hosts, 64 concurrent callers each awaiting <see cref="HostRunner.ExecuteAsync{T}"/> (the path every HTTP request takes);</item>
/// <item>HTTP: the real service process (Kestrel on 127.0.0.1), 64 concurrent HTTP clients over 4 hosts, and 1 client alone.</item>
/// </list>
/// Each measurement runs for the given seconds after a one-second warm-up; the configurations alternate
/// for three rounds and the medians are compared, so a shared machine's load falls on all of them alike.
/// </summary>
public static class DurabilityBench
{
    private const int Hosts = 4;

    public static async Task RunAsync(double seconds, int rounds = 3)
    {
        Console.WriteLine($"Durability benchmark: {rounds} rounds of {seconds} s per measurement, memory and SQLite alternating; medians. {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| path | callers | storage | inputs/s (median) | rounds | vs memory | p50 ms | p99 ms | inputs per transaction |");
        Console.WriteLine("|---|---:|---|---:|---|---:|---:|---:|---:|");

        foreach (var callers in new[] { 64, 1 })
        {
            var results = await RoundsAsync(rounds, [
                () => RunnerAsync(durable: false, StorageSynchronous.Full, callers, seconds),
                () => RunnerAsync(durable: true, StorageSynchronous.Full, callers, seconds),
                () => RunnerAsync(durable: true, StorageSynchronous.Normal, callers, seconds)]);
            Report("runner", callers, "memory", results[0], results[0]);
            Report("runner", callers, "SQLite, synchronous Full", results[1], results[0]);
            Report("runner", callers, "SQLite, synchronous Normal", results[2], results[0]);
        }

        foreach (var callers in new[] { 64, 1 })
        {
            var results = await RoundsAsync(rounds, [
                () => HttpAsync(durable: false, StorageSynchronous.Full, callers, seconds),
                () => HttpAsync(durable: true, StorageSynchronous.Full, callers, seconds),
                () => HttpAsync(durable: true, StorageSynchronous.Normal, callers, seconds)]);
            Report("HTTP", callers, "memory", results[0], results[0]);
            Report("HTTP", callers, "SQLite, synchronous Full", results[1], results[0]);
            Report("HTTP", callers, "SQLite, synchronous Normal", results[2], results[0]);
        }

        Console.WriteLine();
        Console.WriteLine($"load average at the end: {LoadAverage()}");
    }

    private static async Task<List<List<Result>>> RoundsAsync(int rounds, Func<Task<Result>>[] measurements)
    {
        var results = measurements.Select(_ => new List<Result>()).ToList();
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 0; i < measurements.Length; i++)
            {
                results[i].Add(await measurements[i]());
            }
        }

        return results;
    }

    internal static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    internal sealed record Result(double PerSecond, double P50, double P99, long Transactions, long Count);

    private static void Report(string path, int callers, string storage, List<Result> results, List<Result> memory)
    {
        static Result Median(List<Result> r) => r.OrderBy(x => x.PerSecond).ElementAt(r.Count / 2);
        var median = Median(results);
        var rounds = string.Join(" / ", results.Select(r => r.PerSecond.ToString("N0", CultureInfo.InvariantCulture)));
        var perTransaction = median.Transactions > 0 ? (median.Count / (double)median.Transactions).ToString("F1", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {path} | {callers} | {storage} | {median.PerSecond:N0} | {rounds} | {median.PerSecond / Median(memory).PerSecond:P0} | {median.P50:F2} | {median.P99:F2} | {perTransaction} |"));
    }

    // ---------------------------------------------------------------- in process: the host runners

    private static async Task<Result> RunnerAsync(bool durable, StorageSynchronous synchronous, int callers, double seconds)
    {
        var data = Path.Combine(Path.GetTempPath(), "gicservice-bench", Guid.NewGuid().ToString("N"));
        var options = Options.Create(new StorageOptions { DataDirectory = data, Durable = durable, Synchronous = synchronous });
        var health = new StorageHealth();
        IHostStore store = durable ? new SqliteHostStore(options, health, NullLogger<SqliteHostStore>.Instance) : new MemoryHostStore(health, NullLogger<MemoryHostStore>.Instance);
        var registry = new HostRegistry(store, options, Microsoft.Extensions.Options.Options.Create(new GicService.Infrastructure.Limits.LimitsOptions()), NullLogger<HostRegistry>.Instance);
        try
        {
            await registry.RecoverAsync(CancellationToken.None);
            var runners = new List<HostRunner>();
            for (var h = 0; h < Hosts; h++)
            {
                var runner = (await registry.CreateAsync(BenchWorkload.Configuration($"h{h}")))!;
                await runner.ExecuteAllAsync(BenchWorkload.Setup());
                runners.Add(runner);
            }

            var commits = new long[2];
            var result = await MeasureAsync(callers, seconds, (caller, n) =>
                runners[caller % Hosts].ExecuteAsync(BenchWorkload.Input(n), (_, applied) => applied.Accepted ? 0 : throw new InvalidOperationException(applied.Rejection!.Detail)),
                measuring => commits[measuring ? 0 : 1] = (store as SqliteHostStore)?.Commits ?? 0);
            return result with { Transactions = store is SqliteHostStore ? commits[1] - commits[0] : -1 };
        }
        finally
        {
            await registry.DisposeAsync();
            (store as IDisposable)?.Dispose();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // ---------------------------------------------------------------- over HTTP: the real service process

    private static async Task<Result> HttpAsync(bool durable, StorageSynchronous synchronous, int callers, double seconds)
    {
        var data = Path.Combine(Path.GetTempPath(), "gicservice-bench", Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [ApiDll(), "--urls", $"http://127.0.0.1:{port}"])
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["GICSERVICE_DATA"] = data,
                ["Storage__Durable"] = durable ? "true" : "false",
                ["Storage__Synchronous"] = synchronous.ToString(),
                ["Serilog__MinimumLevel__Default"] = "Warning",
                ["Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware"] = "Warning",
            },
        };
        using var service = Process.Start(start)!;
        service.OutputDataReceived += (_, _) => { };
        service.ErrorDataReceived += (_, _) => { };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    if ((await http.GetAsync("/healthz")).IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                }
            }

            for (var h = 0; h < Hosts; h++)
            {
                (await http.PostAsJsonAsync("/api/hosts", new { id = $"h{h}", pcpus = 4, gicVersion = "v4.1" })).EnsureSuccessStatusCode();
                (await http.PostAsJsonAsync($"/api/hosts/h{h}/vms", new { id = "vm1", vcpus = 2, memoryMiB = 64 })).EnsureSuccessStatusCode();
                var commands = new List<object> { new { op = "MAPD", deviceId = 1, size = 4, valid = true }, new { op = "MAPC", collectionId = 0, rdBase = 0, valid = true } };
                commands.AddRange(Enumerable.Range(0, 32).Select(e => new { op = "MAPTI", deviceId = 1, eventId = e, intId = 8192 + e, collectionId = 0 }));
                (await http.PostAsJsonAsync($"/api/hosts/h{h}/vms/vm1/its/commands", new { commands })).EnsureSuccessStatusCode();
                (await http.PostAsJsonAsync($"/api/hosts/h{h}/vms/vm1/vcpus/0/load", new { pcpu = 0 })).EnsureSuccessStatusCode();
            }

            return await MeasureAsync(callers, seconds, async (caller, n) =>
            {
                var vm = $"/api/hosts/h{caller % Hosts}/vms/vm1";
                using var response = (n % 16) switch
                {
                    15 => await http.PostAsJsonAsync($"{vm}/its/commands", new { commands = new[] { new { op = "INT", deviceId = 1, eventId = n / 16 % 32 } } }),
                    var k when k % 2 == 0 => await http.PostAsJsonAsync($"{vm}/msi", new { deviceId = 1, eventId = n / 2 % 32 }),
                    _ => await http.PostAsync($"{vm}/vcpus/0/ack", null),
                };
                response.EnsureSuccessStatusCode();
                return 0;
            });
        }
        finally
        {
            service.Kill();
            await service.WaitForExitAsync();
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    // ---------------------------------------------------------------- measuring

    internal static async Task<Result> MeasureAsync(int callers, double seconds, Func<int, long, Task<int>> call, Action<bool>? mark = null)
    {
        var latencies = new List<double>[callers];
        long counter = 0;
        var measuring = false;
        var stop = false;
        var tasks = Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            var mine = latencies[caller] = new List<double>();
            var clock = new Stopwatch();
            while (!Volatile.Read(ref stop))
            {
                var n = Interlocked.Increment(ref counter);
                clock.Restart();
                await call(caller, n);
                if (Volatile.Read(ref measuring))
                {
                    mine.Add(clock.Elapsed.TotalMilliseconds);
                }
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(1));
        var wall = Stopwatch.StartNew();
        mark?.Invoke(true);
        Volatile.Write(ref measuring, true);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        mark?.Invoke(false);
        var elapsed = wall.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).Order().ToList();
        return new Result(all.Count / elapsed, all[all.Count / 2], all[(int)(all.Count * 0.99)], -1, all.Count);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>src/Api's build output of the same configuration as this benchmark (built first, as a project reference).</summary>
    internal static string ApiDll()
    {
        var output = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(output);
        var configuration = Path.GetFileName(Path.GetDirectoryName(output)!);
        var root = output;
        while (!File.Exists(Path.Combine(root, "GicService.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("GicService.sln not found above the benchmark.");
        }

        return Path.Combine(root, "src", "Api", "bin", configuration, framework, "GicService.Api.dll");
    }
}
