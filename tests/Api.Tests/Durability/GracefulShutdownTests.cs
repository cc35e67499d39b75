using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Durability;

/// <summary>
/// SIGTERM in the middle of a load: requests in flight finish (none answers 5xx), the service exits cleanly,
/// and after a restart every request that was acknowledged is there.
/// </summary>
public sealed class GracefulShutdownTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Clients = 16;
    private const string Host = "drain";
    private static readonly Dictionary<string, string> Lifetime = new() { ["Serilog__MinimumLevel__Override__Microsoft.Hosting.Lifetime"] = "Information" };

    [Fact]
    public async Task Sigterm_DrainsInFlightRequests_AndLosesNoAcknowledgedInput()
    {
        var data = GicServiceFactory.NewDataDirectory();
        var acknowledged = new ConcurrentBag<(ulong Gpa, string Hex)>();
        var serverErrors = new ConcurrentBag<string>();
        try
        {
            await using (var first = await ServiceProcess.StartAsync(data, Lifetime))
            {
                var client = new GicClient(first.Http);
                await client.Post("/api/hosts", new { id = Host, pcpus = 2 }, HttpStatusCode.Created);
                await client.Post($"/api/hosts/{Host}/vms", new { id = "vm1", vcpus = 1, memoryMiB = 64, setup = "bare" }, HttpStatusCode.Created);

                var sent = 0;
                var load = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
                {
                    for (var i = 0; ; i++)
                    {
                        var unique = (ulong)(c * 1_000_000 + i);
                        var gpa = 0x10_0000UL + unique * 8 % 0x200_0000;
                        var hex = Convert.ToHexStringLower(BitConverter.GetBytes(unique * 2654435761UL + 1));
                        Interlocked.Increment(ref sent);
                        try
                        {
                            using var response = await first.Http.PutAsJsonAsync($"/api/hosts/{Host}/vms/vm1/memory/0x{gpa:x}", new { hex });
                            if ((int)response.StatusCode >= 500)
                            {
                                serverErrors.Add($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                            }
                            else if (response.IsSuccessStatusCode)
                            {
                                acknowledged.Add((gpa, hex));
                            }
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                        {
                            return; // the service stopped accepting: this request was never acknowledged
                        }
                    }
                })).ToList();

                while (Volatile.Read(ref sent) < 1_000)
                {
                    await Task.Delay(10);
                }

                var exitCode = await first.TerminateAsync(TimeSpan.FromSeconds(60));
                await Task.WhenAll(load).WaitAsync(TimeSpan.FromSeconds(60));

                output.WriteLine($"{Volatile.Read(ref sent)} writes sent, {acknowledged.Count} acknowledged before the stop");
                Assert.Equal(0, exitCode);
                Assert.Empty(serverErrors);
                Assert.True(acknowledged.Count >= 500, $"only {acknowledged.Count} writes were acknowledged before the stop");
                Assert.Contains("Application is shutting down", first.Output, StringComparison.Ordinal);
            }

            await using var second = await ServiceProcess.StartAsync(data);
            var again = new GicClient(second.Http);
            var last = acknowledged.GroupBy(a => a.Gpa).Select(g => g.First()); // each address is written once
            foreach (var (gpa, hex) in last)
            {
                Assert.Equal(hex, (string)(await again.Get($"/api/hosts/{Host}/vms/vm1/memory/0x{gpa:x}?length=8"))["hex"]!);
            }
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(data);
        }
    }
}
