using GicService.Api.Observability;
using GicService.Domain.Metrics;
using GicService.Infrastructure;
using GicService.Infrastructure.Storage;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

// In the namespace of ApiServiceCollectionExtensions, which calls it, like the other layers' Add*/Map* methods.
namespace GicService.Api;

/// <summary>Metrics (OpenTelemetry, scraped as Prometheus text at <c>/metrics</c>) and the hub's readiness check.</summary>
public static class ObservabilityExtensions
{
    public const string MetricsPath = "/metrics";

    /// <summary>The OpenTelemetry service.name (Prometheus: <c>target_info{service_name="gicservice"}</c>).</summary>
    public const string ServiceName = "gicservice";

    /// <summary>Prometheus exporter settings (<see cref="PrometheusAspNetCoreOptions"/>), e.g. <c>Metrics:Prometheus:ScrapeResponseCacheDurationMilliseconds</c>.</summary>
    public const string PrometheusSection = "Metrics:Prometheus";

    /// <summary>
    /// The meters exported: the domain's, the journal's, the hub's, and ASP.NET Core's own (HTTP requests, Kestrel,
    /// SignalR connections, routing, exceptions) through the AspNetCore instrumentation.
    /// </summary>
    public static IServiceCollection AddGicObservability(this IServiceCollection services)
    {
        services.AddOptions<PrometheusAspNetCoreOptions>().BindConfiguration(PrometheusSection);
        services.AddSingleton<HubMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter(DomainMetrics.MeterName, StorageMetrics.MeterName, HubMetrics.MeterName)
                .AddInstrumentation(provider => provider.GetRequiredService<HubMetrics>())
                .AddPrometheusExporter());
        services.AddHealthChecks().AddCheck<HubHealthCheck>(HubHealthCheck.Name, tags: [InfrastructureServiceCollectionExtensions.ReadyTag]);
        return services;
    }

    /// <summary>The Prometheus scraping endpoint, <c>GET /metrics</c> (text exposition format; not in the OpenAPI document).</summary>
    public static IEndpointRouteBuilder MapGicObservability(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath).WithName("Metrics").WithDisplayName("Prometheus metrics");
        return app;
    }
}
