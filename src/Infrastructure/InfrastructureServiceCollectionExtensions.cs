using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Limits;
using GicService.Infrastructure.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace GicService.Infrastructure;

public static class InfrastructureServiceCollectionExtensions
{
    public const string StorageHealthCheckName = "storage";

    /// <summary>The tag of the health checks <c>GET /healthz/ready</c> runs (storage writable, hub up).</summary>
    public const string ReadyTag = "ready";

    /// <summary>Running hosts (the registry and each host's single-writer runner), their storage, recovery at start, and the storage health check.</summary>
    public static IServiceCollection AddGicInfrastructure(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .PostConfigure<IHostEnvironment>((options, environment) => options.DataDirectory = Path.GetFullPath(
                options.DataDirectory is { Length: > 0 } configured ? configured
                : Environment.GetEnvironmentVariable(StorageOptions.DataDirectoryVariable) is { Length: > 0 } variable ? variable
                : "data",
                environment.ContentRootPath))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StorageHealth>();
        services.AddMetrics();
        services.AddSingleton<StorageMetrics>();
        services.AddSingleton<IHostStore>(provider => provider.GetRequiredService<IOptions<StorageOptions>>().Value.Durable
            ? ActivatorUtilities.CreateInstance<SqliteHostStore>(provider)
            : ActivatorUtilities.CreateInstance<MemoryHostStore>(provider));
        services.AddSingleton<HostRegistry>();
        services.AddHostedService<HostRecoveryService>();
        services.AddHealthChecks().AddCheck<StorageHealthCheck>(StorageHealthCheckName, tags: [ReadyTag]);
        return services;
    }
}
