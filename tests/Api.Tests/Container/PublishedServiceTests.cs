using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace GicService.Api.Tests.Container;

/// <summary>
/// No container engine runs on these machines, so this publishes the service exactly as docker/Dockerfile
/// does (scripts/publish.sh), starts the published output as the image would, and checks /healthz and
/// the container's health-check command.
/// </summary>
public sealed class PublishedServiceTests
{
    [Fact]
    public async Task PublishedOutput_StartsAndAnswersHealthz_AndTheHealthCheckCommandPasses()
    {
        var root = RepositoryRoot();
        var output = Directory.CreateTempSubdirectory("gic-publish-").FullName;
        try
        {
            var publish = await RunAsync("bash", [Path.Combine(root, "scripts", "publish.sh"), output], root, TimeSpan.FromMinutes(8));
            Assert.True(publish.ExitCode == 0, $"publish failed: {publish.Output}");
            Assert.True(File.Exists(Path.Combine(output, "GicService.Api.dll")));

            var port = FreePort();
            var url = $"http://127.0.0.1:{port}";
            using var service = Process.Start(new ProcessStartInfo("dotnet", ["GicService.Api.dll", "--urls", url])
            {
                WorkingDirectory = output,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["GICSERVICE_DATA"] = Path.Combine(output, "data"), ["Serilog__MinimumLevel__Default"] = "Warning" },
            })!;
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
                var healthy = false;
                var deadline = DateTime.UtcNow.AddSeconds(60);
                while (!healthy && DateTime.UtcNow < deadline && !service.HasExited)
                {
                    try
                    {
                        healthy = (await http.GetAsync($"{url}/healthz")).StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        await Task.Delay(250);
                    }
                }

                Assert.True(healthy, "the published service did not answer /healthz within 60 s");
                var probe = await RunAsync("dotnet", ["GicService.Api.dll", "--healthcheck", $"{url}/healthz"], output, TimeSpan.FromSeconds(30));
                Assert.Equal(0, probe.ExitCode);
            }
            finally
            {
                service.Kill(entireProcessTree: true);
                await service.WaitForExitAsync();
            }

            var unhealthy = await RunAsync("dotnet", ["GicService.Api.dll", "--healthcheck", $"http://127.0.0.1:{FreePort()}/healthz"], output, TimeSpan.FromSeconds(30));
            Assert.Equal(1, unhealthy.ExitCode);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] arguments, string directory, TimeSpan timeout)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "GicService.sln")))
        {
            dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("GicService.sln not found above the test binaries.");
        }

        return dir;
    }
}
