using GicService.Infrastructure.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace GicService.Infrastructure;

public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>Running hosts: the registry and each host's single-writer runner.</summary>
    public static IServiceCollection AddGicInfrastructure(this IServiceCollection services)
    {
        services.AddSingleton<HostRegistry>();
        return services;
    }
}
