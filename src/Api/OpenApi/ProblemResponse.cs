using Microsoft.OpenApi;

namespace GicService.Api.OpenApi;

/// <summary>A documented answer whose body is an RFC 9457 problem.</summary>
internal static class ProblemResponse
{
    public static OpenApiResponse Create(string description) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType() },
    };
}
