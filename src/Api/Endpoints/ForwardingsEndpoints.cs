using GicService.Api.Contracts;
using GicService.Api.Problems;
using GicService.Domain.Bridge;
using GicService.Domain.Inputs;
using GicService.Domain.Vfio;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class ForwardingsEndpoints
{
    public static IEndpointRouteBuilder MapForwardingsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts/{hostId}/vms/{vmId}/forwardings").WithTags("Forwarding");
        group.MapPost("/", Set).WithName("SetForwarding").WithSummary("The irq-bypass callback: kvm_vgic_v4_set_forwarding");
        group.MapDelete("/{hostIrq}", Unset).WithName("UnsetForwarding").WithSummary("kvm_vgic_v4_unset_forwarding");
        group.MapGet("/", List).WithName("ListForwardings").WithSummary("The VM's connected host IRQs and whether each arrives as a VLPI");
        return app;
    }

    internal static async Task<Results<Ok<ForwardingSetResponse>, ValidationProblem, ProblemHttpResult>> Set(
        string hostId, string vmId, ForwardingRequest body, HostRegistry hosts)
    {
        if (body.HostIrq is not { } hostIrq)
        {
            return ApiProblems.Invalid("hostIrq", "is required");
        }

        if (body.Route is not { Address: { } address, Data: { } data, DeviceId: { } deviceId })
        {
            return ApiProblems.Invalid("route", "is required with address, data and deviceId");
        }

        if (data.Value > uint.MaxValue)
        {
            return ApiProblems.Invalid("route.data", "must fit 32 bits");
        }

        var input = new SetForwarding(vmId, hostIrq, new MsiRoute(address.Value, (uint)data.Value, deviceId));
        var outcome = await hosts.ApplyAsync(hostId, input, (_, applied) => ForwardingSetResponse.From((ForwardingOutcome)applied.Result!));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Unset(string hostId, string vmId, uint hostIrq, HostRegistry hosts)
    {
        var outcome = await hosts.ApplyAsync(hostId, new UnsetForwarding(vmId, hostIrq), (_, _) => true);
        return outcome.Problem is { } problem ? problem : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<IReadOnlyList<ForwardingResponse>>, ProblemHttpResult>> List(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, (host, vm) =>
        {
            var list = new List<ForwardingResponse>();
            foreach (var vector in host.VfioDevices.SelectMany(d => d.Vectors).Where(v => v.Paired && v.ConnectedVm == vm.Id && v.Route is not null))
            {
                var route = vector.Route!;
                var forwarded = vm.Lpis.Lpis.FirstOrDefault(l => l.HostIrq == vector.Host.Irq);
                var translation = vm.Its.Translate(route.DeviceId, route.Data);
                var vpe = forwarded is { TargetVcpu: { } t } ? host.Bridge.VpeOf(vm, t) : null;
                list.Add(new ForwardingResponse(vector.Host.Irq, route.DeviceId, route.Data, forwarded?.IntId.Value ?? translation?.IntId.Value,
                    forwarded is null ? "software" : "vlpi", forwarded?.TargetVcpu ?? translation?.Vcpu, vpe?.Id));
            }

            return HostOutcomes.Found<IReadOnlyList<ForwardingResponse>>(list);
        });
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }
}
