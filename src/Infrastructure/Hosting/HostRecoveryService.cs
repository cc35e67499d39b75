using Microsoft.Extensions.Hosting;

namespace GicService.Infrastructure.Hosting;

/// <summary>Recovers every stored host when the service starts, before the server takes requests.</summary>
internal sealed class HostRecoveryService(HostRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => registry.RecoverAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
