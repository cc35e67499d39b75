using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GicService.Api.Tests.Support;

/// <summary>
/// The real service in its own process (the built GicService.Api.dll under <c>dotnet</c>), on Kestrel at
/// 127.0.0.1 and a free port, with its data directory given by GICSERVICE_DATA. <see cref="Kill"/> is SIGKILL.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        Http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Url { get; }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<ServiceProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var url = $"http://127.0.0.1:{FreePort()}";
        var service = Launch(dataDirectory, url, environment);
        await service.WaitUntilHealthyAsync();
        return service;
    }

    /// <summary>Waits until /healthz answers 200; fails if the process exits first or 90 s pass.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        var service = this;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(service._process.HasExited, $"the service exited at start:\n{service.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"the service did not answer /healthz within 90 s:\n{service.Output}");
            try
            {
                using var response = await service.Http.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Starts the service listening on every address (0.0.0.0) and a free port; the caller decides what to expect.</summary>
    public static ServiceProcess LaunchOnAllAddresses(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null) =>
        Launch(dataDirectory, $"http://0.0.0.0:{FreePort()}", environment);

    /// <summary>Waits for the process to end by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    private static ServiceProcess Launch(string dataDirectory, string url, IReadOnlyDictionary<string, string>? environment)
    {
        var start = new ProcessStartInfo("dotnet", [ApiDll(), "--urls", url])
        {
            WorkingDirectory = Path.GetTempPath(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["GICSERVICE_DATA"] = dataDirectory,
                ["Serilog__MinimumLevel__Default"] = "Warning",
                ["Serilog__MinimumLevel__Override__GicService.Infrastructure"] = "Information",
                ["DOTNET_NOLOGO"] = "1",
            },
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var service = new ServiceProcess(Process.Start(start)!, url.Replace("0.0.0.0", "127.0.0.1"));
        service._process.OutputDataReceived += (_, e) => service.Append(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.Append(e.Data);
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        return service;
    }

    /// <summary>SIGTERM, as `docker stop` and systemd send it: the service drains and stops by itself. Its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        Assert.Equal(0, Kill(_process.Id, Sigterm));
        return await WaitForExitAsync(timeout);
    }

    private const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>SIGKILL: no shutdown, no flush, no checkpoint; whatever is on disk is what recovery gets.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>src/Api's build output for this test build's configuration (the tests build it as a project reference).</summary>
    private static string ApiDll()
    {
        var testOutput = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var framework = Path.GetFileName(testOutput);
        var configuration = Path.GetFileName(Path.GetDirectoryName(testOutput)!);
        var root = testOutput;
        while (!File.Exists(Path.Combine(root, "GicService.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("GicService.sln not found above the test binaries.");
        }

        var dll = Path.Combine(root, "src", "Api", "bin", configuration, framework, "GicService.Api.dll");
        Assert.True(File.Exists(dll), $"{dll} is not built");
        return dll;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
