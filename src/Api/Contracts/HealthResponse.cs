namespace GicService.Api.Contracts;

/// <summary>"healthy" or "unhealthy" overall, and each check (storage: can the journal be written).</summary>
public sealed record HealthResponse(string Status, IReadOnlyList<HealthCheckResponse> Checks);

public sealed record HealthCheckResponse(string Name, string Status, string? Description);
