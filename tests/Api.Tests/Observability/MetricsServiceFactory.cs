using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace GicService.Api.Tests.Observability;

/// <summary>The service on Kestrel (for the SignalR client) with the scrape response cache off, so every scrape is current.</summary>
public sealed class MetricsServiceFactory : KestrelGicServiceFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Metrics:Prometheus:ScrapeResponseCacheDurationMilliseconds", "0");
    }
}

/// <summary>
/// Metrics are process-wide (the domain's meter is static, and exporters listen by meter name), so the tests that
/// count run alone, after the parallel ones, and compare scrapes before and after.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}
