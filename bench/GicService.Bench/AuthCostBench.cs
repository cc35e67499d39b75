extern alias GicApi;

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime;
using System.Text;
using System.Text.Json;
using GicApi::GicService.Api;
using GicService.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GicService.Bench;

/// <summary>
/// What API-key authentication and rate limiting cost on the single-MSI route
/// (<c>POST /api/hosts/{hostId}/vms/{vmId}/msi</c>, a mapped event, so each request delivers an LPI), as a ratio
/// against the same route with them off, in the same run. Three copies of the real service run in this process on
/// Kestrel at 127.0.0.1 (built as src/Api/Program.cs builds it, storage in memory, logging at Warning):
/// <list type="bullet">
/// <item>off: no keys, so every loopback caller is an anonymous admin (the authentication and authorization
/// middleware still run: the handler answers at once, and the policy is evaluated against the anonymous admin);</item>
/// <item>keys: keys configured, the MSIs sent with an operator key limited to the bench host (<c>Authorization: Bearer</c>);</item>
/// <item>keys + rate limit: the same with <c>Limits:RatePerSecond</c> at its maximum, so the token bucket is taken
/// on every request and never refuses.</item>
/// </list>
/// The configurations alternate for several rounds, each round starting with the next one (off, keys, rate; keys,
/// rate, off; ...), and each figure is compared with off's in the same round, the median of those ratios reported,
/// so the drift of a shared machine falls on all three alike. Besides requests/s and latency, the process's CPU
/// time and allocation per request (services and clients together; the clients' share is the same in all three)
/// measure the cost in a way the machine's other load disturbs less. Every response must be 200; anything else is
/// counted and printed.
/// </summary>
public static class AuthCostBench
{
    private const string HostId = "bench";
    private const string Vm = $"/api/hosts/{HostId}/vms/vm1";
    private const int Events = 32;

    // Keys as the bench configures them (16+ characters, as the validator asks).
    private const string AdminKey = "bench-admin-key-000000000001";
    private const string OperatorKey = "bench-operator-key-000000002";

    private sealed record Configuration(string Name, string? Key, Dictionary<string, string?> Settings);

    private static readonly Configuration[] Configurations =
    [
        new("off (no keys, anonymous loopback)", null, []),
        new("keys (operator Bearer key)", OperatorKey, Keys()),
        new("keys + rate limit", OperatorKey, new(Keys())
        {
            // The largest rate the options allow; one second's burst is a million tokens, so nothing is refused.
            ["Limits:RatePerSecond"] = "1000000",
        }),
    ];

    private static Dictionary<string, string?> Keys() => new()
    {
        ["Auth:Keys:0:Key"] = AdminKey,
        ["Auth:Keys:0:Role"] = "admin",
        ["Auth:Keys:0:Name"] = "bench-admin",
        ["Auth:Keys:1:Key"] = OperatorKey,
        ["Auth:Keys:1:Role"] = "operator",
        ["Auth:Keys:1:Name"] = "bench-operator",
        ["Auth:Keys:1:Hosts:0"] = HostId,
    };

    public static async Task RunAsync(double seconds, int rounds)
    {
        Console.WriteLine($"Access-control cost: POST {Vm}/msi, {rounds} rounds of {seconds} s per measurement (after 1 s of warm-up), configurations alternating; medians.");
        Console.WriteLine($"{Environment.ProcessorCount} cores, .NET {Environment.Version}, {(GCSettings.IsServerGC ? "server" : "workstation")} GC, load average {DurabilityBench.LoadAverage()}");

        var services = new List<WebApplication>();
        var addresses = new List<Uri>();
        try
        {
            foreach (var configuration in Configurations)
            {
                var (app, address) = await StartAsync(configuration);
                services.Add(app);
                addresses.Add(address);
                await SetUpAsync(address, configuration.Key is null ? null : AdminKey, configuration.Key);
            }

            // One short pass over every configuration first, so the JIT has settled before anything is kept.
            for (var i = 0; i < Configurations.Length; i++)
            {
                await MeasureAsync(addresses[i], Configurations[i].Key, 16, 1);
            }

            Console.WriteLine();
            Console.WriteLine("| clients | configuration | requests/s (median) | requests/s, min-max | vs off | p50 ms | p99 ms | p50 vs off | p99 vs off | CPU us/request | vs off | KB allocated/request | errors |");
            Console.WriteLine("|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var clients in new[] { 16, 64 })
            {
                var results = Configurations.Select(_ => new List<Measurement>()).ToList();
                for (var round = 0; round < rounds; round++)
                {
                    // Each round starts with the next configuration, so none always runs first or last.
                    for (var k = 0; k < Configurations.Length; k++)
                    {
                        var i = (round + k) % Configurations.Length;
                        results[i].Add(await MeasureAsync(addresses[i], Configurations[i].Key, clients, seconds));
                    }
                }

                for (var i = 0; i < Configurations.Length; i++)
                {
                    // "vs off": the median over the rounds of this configuration's figure over off's in the same round,
                    // so drift slower than a round cancels.
                    double VsOff(Func<Measurement, double> figure) => Median(results[i].Zip(results[0], (m, off) => figure(m) / figure(off)));
                    double Of(Func<Measurement, double> figure) => Median(results[i].Select(figure));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {clients} | {Configurations[i].Name} | {Of(m => m.PerSecond):N0} | {results[i].Min(m => m.PerSecond):N0}-{results[i].Max(m => m.PerSecond):N0} | {VsOff(m => m.PerSecond):F3} " +
                        $"| {Of(m => m.P50):F2} | {Of(m => m.P99):F2} | {VsOff(m => m.P50):F3} | {VsOff(m => m.P99):F3} " +
                        $"| {Of(m => m.CpuMicroseconds):F1} | {VsOff(m => m.CpuMicroseconds):F3} | {Of(m => m.Bytes) / 1024:F2} | {results[i].Sum(m => m.Errors)} |"));
                }
            }

            Console.WriteLine();
            Console.WriteLine($"load average at the end: {DurabilityBench.LoadAverage()}");
        }
        finally
        {
            foreach (var app in services)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }
    }

    /// <summary>The service as src/Api/Program.cs builds it, on a free loopback port, storage in memory, logging at Warning.</summary>
    private static async Task<(WebApplication App, Uri Address)> StartAsync(Configuration configuration)
    {
        // Content root src/Api, as for `dotnet run --project src/Api`: its appsettings.json and wwwroot.
        var contentRoot = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(DurabilityBench.ApiDll()))))!;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = contentRoot, EnvironmentName = "Production" });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>(configuration.Settings)
        {
            ["Storage:Durable"] = "false",
            ["Serilog:MinimumLevel:Default"] = "Warning",
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Warning",
            ["Serilog:MinimumLevel:Override:GicService.Infrastructure"] = "Warning",
        });
        builder.Services.AddGicInfrastructure();
        builder.Services.AddGicApi();

        var app = builder.Build();
        app.UseGicApi();
        app.MapGicEndpoints();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address));
    }

    /// <summary>A host, a ready VM, device 1 with <see cref="Events"/> events mapped to LPIs 8192.. on vCPU 0; checks one MSI is delivered.</summary>
    private static async Task SetUpAsync(Uri address, string? adminKey, string? key)
    {
        using var admin = Client(address, adminKey);
        await SendAsync(admin, "/api/hosts", new { id = HostId, pcpus = 4, gicVersion = "v4.1" }, HttpStatusCode.Created);
        await SendAsync(admin, $"/api/hosts/{HostId}/vms", new { id = "vm1", vcpus = 2, setup = "ready" }, HttpStatusCode.Created);
        var commands = new List<object> { new { op = "MAPD", deviceId = 1, size = 4, valid = true }, new { op = "MAPC", collectionId = 0, rdBase = 0, valid = true } };
        commands.AddRange(Enumerable.Range(0, Events).Select(e => new { op = "MAPTI", deviceId = 1, eventId = e, intId = 8192 + e, collectionId = 0 }));
        var results = (await SendAsync(admin, $"{Vm}/its/commands", new { commands }, HttpStatusCode.OK)).RootElement.GetProperty("results");
        if (results.EnumerateArray().Any(r => r.GetProperty("status").GetString() != "ok"))
        {
            throw new InvalidOperationException($"An ITS command failed in set-up: {results}");
        }

        using var caller = Client(address, key);
        var msi = await SendAsync(caller, $"{Vm}/msi", new { deviceId = 1, eventId = 0 }, HttpStatusCode.OK);
        Console.WriteLine($"  {address}: first MSI answered {msi.RootElement}");
    }

    private static async Task<JsonDocument> SendAsync(HttpClient http, string route, object body, HttpStatusCode expected)
    {
        using var response = await http.PostAsync(route, new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return response.StatusCode == expected
            ? JsonDocument.Parse(text)
            : throw new InvalidOperationException($"POST {route}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
    }

    private static HttpClient Client(Uri address, string? key)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = address };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return http;
    }

    /// <summary>One measurement; CPU time and allocation are the whole process's (services and clients) per request.</summary>
    private sealed record Measurement(double PerSecond, double P50, double P99, double CpuMicroseconds, double Bytes, long Errors);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary><paramref name="clients"/> concurrent callers on one client (one connection each), each sending MSIs in turn over the mapped events.</summary>
    private static async Task<Measurement> MeasureAsync(Uri address, string? key, int clients, double seconds)
    {
        using var http = Client(address, key);
        var bodies = Enumerable.Range(0, Events).Select(e => Encoding.UTF8.GetBytes($$"""{"deviceId":1,"eventId":{{e}}}""")).ToArray();
        var json = new MediaTypeHeaderValue("application/json");
        long errors = 0;
        var shown = 0;
        var cpu = new TimeSpan[2];
        var allocated = new long[2];
        var result = await DurabilityBench.MeasureAsync(clients, seconds, async (_, n) =>
        {
            var content = new ByteArrayContent(bodies[n % Events]);
            content.Headers.ContentType = json;
            try
            {
                using var response = await http.PostAsync($"{Vm}/msi", content);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref errors);
                    if (Interlocked.Increment(ref shown) <= 5)
                    {
                        Console.WriteLine($"  error: {(int)response.StatusCode} {text}");
                    }
                }
            }
            catch (HttpRequestException e)
            {
                Interlocked.Increment(ref errors);
                if (Interlocked.Increment(ref shown) <= 5)
                {
                    Console.WriteLine($"  error: {e.Message}");
                }
            }

            return 0;
        }, start =>
        {
            var at = start ? 0 : 1;
            using var process = Process.GetCurrentProcess();
            cpu[at] = process.TotalProcessorTime;
            allocated[at] = GC.GetTotalAllocatedBytes();
        });
        return new Measurement(result.PerSecond, result.P50, result.P99,
            (cpu[1] - cpu[0]).TotalMicroseconds / result.Count, (allocated[1] - allocated[0]) / (double)result.Count, Interlocked.Read(ref errors));
    }
}
