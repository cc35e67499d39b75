using GicService.Api.Contracts;
using GicService.Api.Problems;
using GicService.Domain.Inputs;
using GicService.Domain.Lpis;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class VcpusEndpoints
{
    public static IEndpointRouteBuilder MapVcpusEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts/{hostId}/vms/{vmId}/vcpus").WithTags("vCPUs");
        group.MapGet("/", ListVcpus).WithName("ListVcpus").WithSummary("Every vCPU's scheduling state and pending interrupts");
        group.MapGet("/{vcpu}", GetVcpu).WithName("GetVcpu").WithSummary("A vCPU's scheduling state and pending interrupts");
        group.MapPost("/{vcpu}/load", Load).WithName("LoadVcpu").WithSummary("vcpu_load: make the vCPU resident on a pCPU");
        group.MapPost("/{vcpu}/put", Put).WithName("PutVcpu").WithSummary("vcpu_put: the vCPU stops being resident");
        group.MapPost("/{vcpu}/block", Block).WithName("BlockVcpu").WithSummary("WFI: put with the doorbell armed");
        group.MapPost("/{vcpu}/unblock", Unblock).WithName("UnblockVcpu").WithSummary("Wake: doorbell disarmed, resident again on its pCPU");
        group.MapPost("/{vcpu}/ack", Acknowledge).WithName("AcknowledgeInterrupt")
            .WithSummary("The running guest acknowledges its highest-priority pending, enabled interrupt (IAR then EOI)");
        group.MapGet("/{vcpu}/redistributor/{name}", ReadRedistributor).WithName("ReadRedistributorRegister")
            .WithSummary("MMIO read of a GICR register of the vCPU's redistributor");
        group.MapPut("/{vcpu}/redistributor/{name}", WriteRedistributor).WithName("WriteRedistributorRegister")
            .WithSummary("MMIO write of a GICR register with KVM's semantics");
        return app;
    }

    internal static async Task<Results<Ok<VcpuListResponse>, ProblemHttpResult>> ListVcpus(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, (host, vm) =>
            HostOutcomes.Found(new VcpuListResponse(vm.Vcpus.Select(v => VcpuResponse.From(host, vm, v.Id)).ToList())));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<VcpuResponse>, ProblemHttpResult>> GetVcpu(string hostId, string vmId, uint vcpu, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, (host, vm) => vm.FindVcpu(vcpu) is null
            ? HostOutcomes.Missing<VcpuResponse>($"VM '{vmId}' has no vCPU {vcpu}.")
            : HostOutcomes.Found(VcpuResponse.From(host, vm, vcpu)));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<VcpuResponse>, ValidationProblem, ProblemHttpResult>> Load(
        string hostId, string vmId, uint vcpu, LoadRequest body, HostRegistry hosts)
    {
        if (body.Pcpu is not { } pcpu)
        {
            return ApiProblems.Invalid("pcpu", "is required");
        }

        return await Schedule(hosts, hostId, vmId, vcpu, new LoadVcpu(vmId, vcpu, pcpu));
    }

    internal static Task<Results<Ok<VcpuResponse>, ValidationProblem, ProblemHttpResult>> Put(string hostId, string vmId, uint vcpu, HostRegistry hosts) =>
        Schedule(hosts, hostId, vmId, vcpu, new PutVcpu(vmId, vcpu));

    internal static Task<Results<Ok<VcpuResponse>, ValidationProblem, ProblemHttpResult>> Block(string hostId, string vmId, uint vcpu, HostRegistry hosts) =>
        Schedule(hosts, hostId, vmId, vcpu, new BlockVcpu(vmId, vcpu));

    internal static Task<Results<Ok<VcpuResponse>, ValidationProblem, ProblemHttpResult>> Unblock(string hostId, string vmId, uint vcpu, HostRegistry hosts) =>
        Schedule(hosts, hostId, vmId, vcpu, new UnblockVcpu(vmId, vcpu));

    private static async Task<Results<Ok<VcpuResponse>, ValidationProblem, ProblemHttpResult>> Schedule(
        HostRegistry hosts, string hostId, string vmId, uint vcpu, HostInput input)
    {
        var outcome = await hosts.ApplyAsync(hostId, input, (host, _) => VcpuResponse.From(host, host.FindVm(vmId)!, vcpu));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<AckResponse>, ProblemHttpResult>> Acknowledge(string hostId, string vmId, uint vcpu, HostRegistry hosts)
    {
        var outcome = await hosts.ApplyAsync(hostId, new AcknowledgeInterrupt(vmId, vcpu), (_, applied) =>
        {
            var ack = (Acknowledged)applied.Result!;
            return new AckResponse(ack.IntId, ack.Source is { } s ? FabricEventResponse.SourceName(s) : null);
        });
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<RegisterResponse>, ProblemHttpResult>> ReadRedistributor(
        string hostId, string vmId, uint vcpu, string name, HostRegistry hosts)
    {
        if (!RedistributorRegisters.TryFind(name, out var register, out _))
        {
            return ApiProblems.NotFound($"'{name}' is not a redistributor register; use one of {string.Join(", ", RedistributorRegisters.Names)}.");
        }

        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => vm.FindRedistributor(vcpu) is { } rd
            ? HostOutcomes.Found(new RegisterResponse(RedistributorRegisters.NameOf(register), rd.Read(register)))
            : HostOutcomes.Missing<RegisterResponse>($"VM '{vmId}' has no vCPU {vcpu}."));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<RegisterResponse>, ValidationProblem, ProblemHttpResult>> WriteRedistributor(
        string hostId, string vmId, uint vcpu, string name, RedistributorRegisterRequest body, HostRegistry hosts)
    {
        if (!RedistributorRegisters.TryFind(name, out var register, out var widthBytes))
        {
            return ApiProblems.NotFound($"'{name}' is not a redistributor register; use one of {string.Join(", ", RedistributorRegisters.Names)}.");
        }

        if (RegisterAccess.TryResolve(body.Value, body.Width, body.Upper, widthBytes, out var access) is { } invalid)
        {
            return invalid;
        }

        var input = new WriteRedistributorRegister(vmId, vcpu, register, access.Offset, access.Length, access.Value);
        var outcome = await hosts.ApplyAsync(hostId, input, (_, applied) => new RegisterResponse(RedistributorRegisters.NameOf(register), (ulong)applied.Result!));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }
}
