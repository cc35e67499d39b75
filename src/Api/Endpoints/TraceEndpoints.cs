using GicService.Api.Contracts;
using System.Security.Claims;
using GicService.Api.Problems;
using GicService.Api.Security;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Limits;
using GicService.Infrastructure.Serialization;
using GicService.Infrastructure.Storage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GicService.Api.Endpoints;

public static class TraceEndpoints
{
    public const string ReplayTraceName = "ReplayTrace";

    public static IEndpointRouteBuilder MapTraceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts").WithTags("Traces");
        group.MapGet("/{hostId}/trace", GetTrace).WithName("GetTrace")
            .WithSummary("The host's configuration and every input it received, in order, streamed as the journal is read")
            .Produces<TraceDocument>();
        group.MapPost("/replay", ReplayTrace).WithName(ReplayTraceName).RequireAuthorization(GicPolicies.Administer)
            .WithSummary("Build a new host from a trace exactly as GET .../trace returned it; the same inputs give the same events")
            .Accepts<TraceDocument>("application/json");
        return app;
    }

    internal static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> GetTrace(string hostId, HostRegistry hosts, CancellationToken cancellationToken)
    {
        if (hosts.Find(hostId) is not { } runner)
        {
            return ApiProblems.HostNotFound(hostId);
        }

        var trace = await runner.OpenTraceAsync(cancellationToken);
        return TypedResults.Stream(stream => TraceFormat.WriteAsync(stream, trace, cancellationToken), "application/json");
    }

    /// <summary>
    /// Creates the host (id: the <paramref name="id"/> query parameter, else a new "h{n}"), then journals and
    /// applies the trace's inputs in order. If storage fails part way, the partial host is deleted and the
    /// answer is 503.
    /// </summary>
    internal static async Task<Results<Created<HostResponse>, ValidationProblem, ProblemHttpResult>> ReplayTrace(
        HttpRequest request, string? id, HostRegistry hosts, ClaimsPrincipal user, IOptions<LimitsOptions> limitsOptions,
        CancellationToken cancellationToken)
    {
        if (user.RefuseNewHost(id) is { } refused)
        {
            return refused;
        }

        if (id is not null && !ResourceIds.IsValid(id))
        {
            return ApiProblems.Invalid("id", ResourceIds.Rule);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = limitsOptions.Value.TraceBodyBytes;
        }

        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, cancellationToken);
        ReadTrace trace;
        try
        {
            trace = TraceFormat.Read(body.GetBuffer().AsSpan(0, (int)body.Length));
        }
        catch (TraceFormatException ex)
        {
            return TypedResults.Problem($"The trace cannot be replayed: {ex.Message}", statusCode: 400, title: "Invalid trace", type: ProblemTypes.InvalidTrace);
        }

        // The trace's limits come along; the registry holds them to the service's.
        var configuration = trace.Configuration with { Id = id ?? hosts.NextId() };
        var problems = configuration.Validate().ToList();
        if (problems.Count > 0)
        {
            return ApiProblems.Invalid(problems.GroupBy(p => $"configuration.{p.Field}").ToDictionary(g => g.Key, g => g.Select(p => p.Problem).ToList()));
        }

        if (await hosts.CreateAsync(configuration) is not { } runner)
        {
            return ApiProblems.Conflict($"Host '{configuration.Id}' already exists; give another id with ?id=.");
        }

        try
        {
            await runner.ExecuteAllAsync(trace.Inputs);
        }
        catch (StorageUnavailableException)
        {
            try
            {
                await hosts.DeleteAsync(configuration.Id);
            }
            catch (StorageUnavailableException)
            {
                // The partial host stays; it holds exactly the inputs it journaled.
            }

            throw;
        }

        var response = await runner.ReadAsync(HostResponse.From);
        return TypedResults.Created($"/api/hosts/{response.Id}", response);
    }
}
