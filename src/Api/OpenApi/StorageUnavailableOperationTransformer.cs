using GicService.Api.Problems;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace GicService.Api.OpenApi;

/// <summary>Every mutating operation may answer 503 <c>/problems/storage-unavailable</c> when the journal cannot be written.</summary>
public sealed class StorageUnavailableOperationTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var method = context.Description.HttpMethod;
        if (method is "POST" or "PUT" or "DELETE" or "PATCH")
        {
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("503", ProblemResponse.Create(
                $"Storage unavailable ({ProblemTypes.StorageUnavailable}): the journal could not be written and nothing was applied"));
        }

        return Task.CompletedTask;
    }
}
