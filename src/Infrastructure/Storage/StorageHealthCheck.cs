using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// Storage is healthy while writes succeed. Once one has failed it stays unhealthy until a write succeeds
/// again; each check then tries a probe write of 64 KiB, so the service notices when space comes back even
/// with no traffic.
/// </summary>
public sealed class StorageHealthCheck(StorageHealth health, IHostStore store) : IHealthCheck
{
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!health.Healthy)
        {
            try
            {
                await store.ProbeAsync(cancellationToken).WaitAsync(ProbeTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is StorageUnavailableException or TimeoutException)
            {
                // Still failing: reported below.
            }
        }

        return health.Healthy
            ? HealthCheckResult.Healthy(health.Description)
            : HealthCheckResult.Unhealthy($"{health.Description} (failing since {health.FailingSince:O})");
    }
}
