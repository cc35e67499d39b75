using GicService.Api.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace GicService.Api.OpenApi;

/// <summary>Documents the limit answers every operation may give: 413 for a body too large, 429 when over the rate.</summary>
public sealed class LimitResponsesOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<DisableRateLimitingAttribute>().Any())
        {
            return Task.CompletedTask;
        }

        operation.Responses ??= new OpenApiResponses();
        if (operation.RequestBody is not null)
        {
            operation.Responses.TryAdd("413", ProblemResponse.Create($"The body is larger than the route accepts: Limits:RequestBodyBytes, for a trace Limits:TraceBodyBytes ({ProblemTypes.PayloadTooLarge})"));
        }

        operation.Responses.TryAdd("429", ProblemResponse.Create($"Over Limits:RatePerSecond; Retry-After says when to try again ({ProblemTypes.RateLimited})"));
        return Task.CompletedTask;
    }
}
