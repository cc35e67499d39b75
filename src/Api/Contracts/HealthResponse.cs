namespace GicService.Api.Contracts;

public sealed record HealthResponse(string Status);
