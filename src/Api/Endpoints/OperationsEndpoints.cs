using GicService.Api.Contracts;
using GicService.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GicService.Api.Endpoints;

public static class OperationsEndpoints
{
    public static IEndpointRouteBuilder MapOperationsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithTags("Operations").WithName("Health").AllowAnonymous().DisableRateLimiting()
            .WithSummary("Liveness and readiness: 200 healthy, 503 unhealthy (storage cannot be written, or the hub is down)")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        app.MapGet("/healthz/live", GetLiveness).WithTags("Operations").WithName("Liveness").AllowAnonymous().DisableRateLimiting()
            .WithSummary("Liveness: 200 while the process runs; no checks (for a container's or orchestrator's liveness probe)");
        app.MapGet("/healthz/ready", GetReadiness).WithTags("Operations").WithName("Readiness").AllowAnonymous().DisableRateLimiting()
            .WithSummary("Readiness: 200 when storage can be written and the hub accepts subscriptions, else 503")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>Runs every ASP.NET Core health check (storage, hub) and reports each.</summary>
    internal static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetHealth(HealthCheckService health, CancellationToken cancellationToken) =>
        Report(health, null, cancellationToken);

    /// <summary>Runs no check: answering at all is the proof of life.</summary>
    internal static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetLiveness(HealthCheckService health, CancellationToken cancellationToken) =>
        Report(health, static _ => false, cancellationToken);

    /// <summary>Runs the checks tagged ready (storage writable, hub up).</summary>
    internal static Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetReadiness(HealthCheckService health, CancellationToken cancellationToken) =>
        Report(health, static check => check.Tags.Contains(InfrastructureServiceCollectionExtensions.ReadyTag), cancellationToken);

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> Report(HealthCheckService health,
        Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(predicate, cancellationToken);
        var response = new HealthResponse(Name(report.Status),
            report.Entries.Select(e => new HealthCheckResponse(e.Key, Name(e.Value.Status), e.Value.Description)).ToList());
        return report.Status == HealthStatus.Unhealthy
            ? TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable)
            : TypedResults.Ok(response);
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
