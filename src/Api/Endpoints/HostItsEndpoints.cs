using GicService.Api.Contracts;
using GicService.Api.Problems;
using GicService.Domain.Hosts;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class HostItsEndpoints
{
    public static IEndpointRouteBuilder MapHostItsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts/{hostId}/its").WithTags("Host GICv4 ITS");
        group.MapGet("/vpes", ListVpes).WithName("ListVpes").WithSummary("The vPEs of the host GICv4 ITS");
        group.MapGet("/vlpis", ListVlpis).WithName("ListVlpis").WithSummary("The VLPI mappings of the host GICv4 ITS");
        return app;
    }

    internal static async Task<Results<Ok<IReadOnlyList<VpeResponse>>, ProblemHttpResult>> ListVpes(string hostId, HostRegistry hosts) =>
        hosts.Find(hostId) is { } runner
            ? TypedResults.Ok(await runner.ReadAsync<IReadOnlyList<VpeResponse>>(host =>
                host.HostIts.Vpes.Select(v => VpeResponse.From(v, host.Configuration.GicVersion == GicVersion.V4_1)).ToList()))
            : ApiProblems.HostNotFound(hostId);

    internal static async Task<Results<Ok<IReadOnlyList<VlpiResponse>>, ProblemHttpResult>> ListVlpis(string hostId, HostRegistry hosts) =>
        hosts.Find(hostId) is { } runner
            ? TypedResults.Ok(await runner.ReadAsync<IReadOnlyList<VlpiResponse>>(host => host.HostIts.Vlpis
                .Select(m => new VlpiResponse(m.HostDeviceId, m.EventId, m.HostIrq, m.VmId, m.VpeId, m.VIntId, m.DbEnabled,
                    host.HostIts.FindVpe(m.VpeId)?.PendingVlpis.Contains(m.VIntId) ?? false))
                .ToList()))
            : ApiProblems.HostNotFound(hostId);
}
