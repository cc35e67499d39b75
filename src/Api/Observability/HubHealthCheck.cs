using GicService.Api.Hubs;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GicService.Api.Observability;

/// <summary>
/// Readiness of <c>/hubs/fabric</c>: SignalR's lifetime manager and hub context for <see cref="FabricHub"/> resolve
/// (the hub is registered and can push), and the service is not stopping (subscriptions are still accepted).
/// </summary>
public sealed class HubHealthCheck(IServiceProvider services, IHostApplicationLifetime lifetime) : IHealthCheck
{
    public const string Name = "hub";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (services.GetService<HubLifetimeManager<FabricHub>>() is null
            || services.GetService<IHubContext<FabricHub, IFabricClient>>() is null
            || services.GetService<FabricSubscriptions>() is null)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The SignalR hub {FabricHub.Path} is not registered."));
        }

        return Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("The service is stopping: the hub accepts no new subscriptions.")
            : HealthCheckResult.Healthy($"{FabricHub.Path} accepts subscriptions"));
    }
}
