using GicService.Differential.Runs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GicService.Differential;

/// <summary>The QEMU processes and the in-memory service shared by the differential tests of one class.</summary>
public sealed class DifferentialFixture : IDisposable
{
    private readonly ServiceFactory _service = new();
    private readonly Lazy<HttpClient> _http;

    public DifferentialFixture()
    {
        _http = new Lazy<HttpClient>(() => _service.CreateClient());
    }

    public QemuPool Qemu { get; } = new();

    public HttpClient Http => _http.Value;

    public void Dispose()
    {
        Qemu.Dispose();
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }

        _service.Dispose();
        if (Directory.Exists(_service.DataDirectory))
        {
            Directory.Delete(_service.DataDirectory, recursive: true);
        }
    }

    /// <summary>The service in memory with request logging quiet, as tests/Api.Tests runs it, its database in a temporary directory.</summary>
    private sealed class ServiceFactory : WebApplicationFactory<Program>
    {
        public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "gicservice-tests", Guid.NewGuid().ToString("N"));

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Storage:DataDirectory", DataDirectory);
            builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
            builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Warning");
            builder.UseSetting("Serilog:MinimumLevel:Override:GicService.Infrastructure", "Warning");
            builder.UseSetting("Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware", "Warning");
        }
    }
}
