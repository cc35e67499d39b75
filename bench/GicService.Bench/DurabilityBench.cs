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
/// Each measurement runs for the given seconds after a one-second warm-up.
/// </summary>
public static class DurabilityBench
{
    private const int Hosts = 4;

    public static async Task RunAsync(double seconds)
    {
        Console.WriteLine($"Durability benchmark: {seconds} s per measurement, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        Console.WriteLine();
        Console.WriteLine("| path | callers | storage | inputs/s | vs memory | p50 ms | p99 ms | transactions |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|");

        foreach (var callers in new[] { 64, 1 })
        {
            var memory = await RunnerAsync(durable: false, StorageSynchronous.Full, callers, seconds);
            Report("runner", callers, "memory", memory, memory);
            Report("runner", callers, "SQLite, synchronous Full", await RunnerAsync(durable: true, StorageSynchronous.Full, callers, seconds), memory);
            Report("runner", callers, "SQLite, synchronous Normal", await RunnerAsync(durable: true, StorageSynchronous.Normal, callers, seconds), memory);
        }

        foreach (var callers in new[] { 64, 1 })
        {
            var memory = await HttpAsync(durable: false, callers, seconds);
            Report("HTTP", callers, "memory", memory, memory);
            Report("HTTP", callers, "SQLite, synchronous Full", await HttpAsync(durable: true, callers, seconds), memory);
        }
    }

    private sealed record Result(double PerSecond, double P50, double P99, long Transactions);

    private static void Report(string path, int callers, string storage, Result result, Result memory) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {path} | {callers} | {storage} | {result.PerSecond:N0} | {result.PerSecond / memory.PerSecond:P0} | {result.P50:F2} | {result.P99:F2} | {(result.Transactions < 0 ? "-" : result.Transactions.ToString("N0", CultureInfo.InvariantCulture))} |"));

    // ---------------------------------------------------------------- in process: the host runners

    private static async Task<Result> RunnerAsync(bool durable, StorageSynchronous synchronous, int callers, double seconds)
    {
        var data = Path.Combine(Path.GetTempPath(), "gicservice-bench", Guid.NewGuid().ToString("N"));
        var options = Options.Create(new StorageOptions { DataDirectory = data, Durable = durable, Synchronous = synchronous });
        var health = new StorageHealth();
        IHostStore store = durable ? new SqliteHostStore(options, health, NullLogger<SqliteHostStore>.Instance) : new MemoryHostStore(health);
        var registry = new HostRegistry(store, options, NullLogger<HostRegistry>.Instance);
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

            var commitsBefore = (store as SqliteHostStore)?.Commits ?? 0;
            var result = await MeasureAsync(callers, seconds, (caller, n) =>
                runners[caller % Hosts].ExecuteAsync(BenchWorkload.Input(n), (_, applied) => applied.Accepted ? 0 : throw new InvalidOperationException(applied.Rejection!.Detail)));
            return result with { Transactions = store is SqliteHostStore sqlite ? sqlite.Commits - commitsBefore : -1 };
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

    private static async Task<Result> HttpAsync(bool durable, int callers, double seconds)
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

    private static async Task<Result> MeasureAsync(int callers, double seconds, Func<int, long, Task<int>> call)
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
        Volatile.Write(ref measuring, true);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref measuring, false);
        var elapsed = wall.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        await Task.WhenAll(tasks);

        var all = latencies.SelectMany(l => l).Order().ToList();
        return new Result(all.Count / elapsed, all[all.Count / 2], all[(int)(all.Count * 0.99)], -1);
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
