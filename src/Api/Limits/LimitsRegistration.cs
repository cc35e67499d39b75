using System.Globalization;
using System.Threading.RateLimiting;
using GicService.Api.Problems;
using GicService.Infrastructure.Limits;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace GicService.Api.Limits;

public static class LimitsRegistration
{
    /// <summary>The request body limit (Kestrel's) and, when <c>Limits:RatePerSecond</c> is set, a rate limit per key.</summary>
    public static IServiceCollection AddGicLimits(this IServiceCollection services)
    {
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
            kestrel.Limits.MaxRequestBodySize = limits.Value.RequestBodyBytes);

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((options, limits) =>
        {
            var rate = limits.Value.RatePerSecond;
            if (rate > 0)
            {
                var bucket = new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.Value.RateBurst ?? rate,
                    TokensPerPeriod = rate,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                };
                options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => bucket));
            }

            options.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    /// <summary>The body limit of the request's route, as a 413 names it: a trace's for replay, else every route's.</summary>
    internal static string BodyLimitOf(HttpContext context) =>
        // The exception handler clears the endpoint before it writes the problem; its feature keeps it.
        (context.GetEndpoint() ?? context.Features.Get<IExceptionHandlerFeature>()?.Endpoint)
            ?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == Endpoints.TraceEndpoints.ReplayTraceName
            ? LimitsOptions.Key(nameof(LimitsOptions.TraceBodyBytes))
            : LimitsOptions.Key(nameof(LimitsOptions.RequestBodyBytes));

    /// <summary>A key's requests share one bucket; callers without a key (anonymous or refused) share one per address.</summary>
    internal static string PartitionOf(HttpContext context) =>
        context.Features.Get<Security.ApiKey>()?.RatePartition ?? "address:" + context.Connection.RemoteIpAddress;

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Type = ProblemTypes.RateLimited,
            Title = "Too many requests",
            Detail = $"This caller is over its rate ({LimitsOptions.Key(nameof(LimitsOptions.RatePerSecond))}); retry after {seconds} s. Nothing was changed.",
        };
        problem.Extensions["limit"] = LimitsOptions.Key(nameof(LimitsOptions.RatePerSecond));
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
