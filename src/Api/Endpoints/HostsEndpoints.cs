using GicService.Api.Contracts;
using System.Security.Claims;
using GicService.Api.Problems;
using GicService.Api.Security;
using GicService.Domain.Hosts;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class HostsEndpoints
{
    public static IEndpointRouteBuilder MapHostsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts").WithTags("Hosts");
        group.MapPost("/", CreateHost).WithName("CreateHost").RequireAuthorization(GicPolicies.Administer).WithSummary("Create a host: pCPUs, GIC version, host ITS geometry");
        group.MapGet("/", ListHosts).WithName("ListHosts").WithSummary("List the hosts");
        group.MapGet("/{hostId}", GetHost).WithName("GetHost").WithSummary("One host, with its pCPUs and what is resident on each");
        group.MapDelete("/{hostId}", DeleteHost).WithName("DeleteHost").RequireAuthorization(GicPolicies.Administer).WithSummary("Delete a host and everything in it");
        group.MapGet("/{hostId}/pcpus", GetPcpus).WithName("GetPcpus").WithSummary("The pCPUs of a host and the vCPU resident on each");
        return app;
    }

    internal static async Task<Results<Created<HostResponse>, ValidationProblem, ProblemHttpResult>> CreateHost(CreateHostRequest body, HostRegistry hosts, ClaimsPrincipal user)
    {
        if (user.RefuseNewHost(body.Id) is { } refused)
        {
            return refused;
        }

        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string problem) => (errors.TryGetValue(field, out var list) ? list : errors[field] = []).Add(problem);

        if (body.Id is { } id && !ResourceIds.IsValid(id))
        {
            Fail("id", ResourceIds.Rule);
        }

        if (body.Pcpus is not { } pcpus)
        {
            Fail("pcpus", "is required");
        }
        else if (pcpus is < 1 or > HostConfiguration.MaxPcpus)
        {
            Fail("pcpus", $"must be between 1 and {HostConfiguration.MaxPcpus}");
        }

        var version = GicVersion.V4_0;
        if (body.GicVersion is not null && !GicVersions.TryParse(body.GicVersion, out version))
        {
            Fail("gicVersion", "must be \"v4.0\" or \"v4.1\"");
        }

        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors);
        }

        var configuration = new HostConfiguration(
            body.Id ?? hosts.NextId(),
            body.Pcpus!.Value,
            version,
            body.HostIts?.DevBits ?? 16,
            body.HostIts?.IdBits ?? 16,
            body.HostIts?.DirectLpi,
            body.RemapHint ?? false,
            body.PreservePendingOnUnmap ?? false);
        var problems = configuration.Validate().ToList();
        if (problems.Count > 0)
        {
            return ApiProblems.Invalid(problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Problem).ToList()));
        }

        if (await hosts.CreateAsync(configuration) is not { } runner)
        {
            return ApiProblems.Conflict($"Host '{configuration.Id}' already exists.");
        }

        var response = await runner.ReadAsync(HostResponse.From);
        return TypedResults.Created($"/api/hosts/{response.Id}", response);
    }

    internal static async Task<Ok<HostListResponse>> ListHosts(HostRegistry hosts, ClaimsPrincipal user)
    {
        var list = new List<HostResponse>();
        foreach (var runner in hosts.All.Where(r => user.MayAccessHost(r.Id)))
        {
            try
            {
                list.Add(await runner.ReadAsync(HostResponse.From));
            }
            catch (HostDeletedException)
            {
                // deleted while listing: not part of the list
            }
        }

        return TypedResults.Ok(new HostListResponse(list));
    }

    internal static async Task<Results<Ok<HostResponse>, ProblemHttpResult>> GetHost(string hostId, HostRegistry hosts) =>
        hosts.Find(hostId) is { } runner ? TypedResults.Ok(await runner.ReadAsync(HostResponse.From)) : ApiProblems.HostNotFound(hostId);

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteHost(string hostId, HostRegistry hosts) =>
        await hosts.DeleteAsync(hostId) ? TypedResults.NoContent() : ApiProblems.HostNotFound(hostId);

    internal static async Task<Results<Ok<IReadOnlyList<PcpuResponse>>, ProblemHttpResult>> GetPcpus(string hostId, HostRegistry hosts) =>
        hosts.Find(hostId) is { } runner ? TypedResults.Ok(await runner.ReadAsync(HostResponse.PcpusOf)) : ApiProblems.HostNotFound(hostId);
}
