using GicService.Api.Contracts;
using GicService.Api.Json;
using GicService.Api.Problems;
using GicService.Domain.Inputs;
using GicService.Domain.Vms;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class VmsEndpoints
{
    public const int MaxMemoryRead = 1 << 20;

    public static IEndpointRouteBuilder MapVmsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts/{hostId}/vms").WithTags("VMs");
        group.MapPost("/", CreateVm).WithName("CreateVm").WithSummary("Create a VM: vCPUs, guest RAM, and a ready or bare vGIC");
        group.MapGet("/", ListVms).WithName("ListVms").WithSummary("List the VMs of a host");
        group.MapGet("/{vmId}", GetVm).WithName("GetVm").WithSummary("One VM, with its ITS frame and doorbell address");
        group.MapDelete("/{vmId}", DeleteVm).WithName("DeleteVm").WithSummary("Delete a VM");
        group.MapPut("/{vmId}/memory/{gpa}", WriteMemory).WithName("WriteGuestMemory").WithSummary("Write guest RAM at a guest physical address (decimal or 0x-hex)");
        group.MapGet("/{vmId}/memory/{gpa}", ReadMemory).WithName("ReadGuestMemory").WithSummary("Read length bytes of guest RAM");
        group.MapPut("/{vmId}/lpis/{intId}/config", SetLpiConfig).WithName("SetLpiConfig")
            .WithSummary("Write an LPI's property-table byte in guest RAM; KVM notices at INV/INVALL");
        group.MapGet("/{vmId}/lpis", ListLpis).WithName("ListLpis").WithSummary("The LPIs KVM holds for the VM, with cached priority, enable and pending state");
        return app;
    }

    internal static async Task<Results<Created<VmResponse>, ValidationProblem, ProblemHttpResult>> CreateVm(
        string hostId, CreateVmRequest body, HostRegistry hosts)
    {
        if (body.Id is { } id && !ResourceIds.IsValid(id))
        {
            return ApiProblems.Invalid("id", ResourceIds.Rule);
        }

        if (body.Vcpus is not { } vcpus)
        {
            return ApiProblems.Invalid("vcpus", "is required");
        }

        var setup = body.Setup switch { null or "ready" => VmSetup.Ready, "bare" => (VmSetup?)VmSetup.Bare, _ => null };
        if (setup is null)
        {
            return ApiProblems.Invalid("setup", "must be \"ready\" or \"bare\"");
        }

        var outcome = await hosts.ApplyAsync(hostId, new CreateVm(body.Id, vcpus, body.MemoryMiB ?? 256, setup.Value),
            (host, applied) => VmResponse.From(host.FindVm((string)applied.Result!)!));
        return outcome.Problem is { } problem
            ? problem
            : TypedResults.Created($"/api/hosts/{hostId}/vms/{outcome.Value!.Id}", outcome.Value);
    }

    internal static async Task<Results<Ok<VmListResponse>, ProblemHttpResult>> ListVms(string hostId, HostRegistry hosts) =>
        hosts.Find(hostId) is { } runner
            ? TypedResults.Ok(await runner.ReadAsync(host => new VmListResponse(host.Vms.Select(VmResponse.From).ToList())))
            : ApiProblems.HostNotFound(hostId);

    internal static async Task<Results<Ok<VmResponse>, ProblemHttpResult>> GetVm(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => HostOutcomes.Found(VmResponse.From(vm)));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteVm(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ApplyAsync(hostId, new DeleteVm(vmId), (_, _) => true);
        return outcome.Problem is { } problem ? problem : TypedResults.NoContent();
    }

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> WriteMemory(
        string hostId, string vmId, string gpa, MemoryWriteRequest body, HostRegistry hosts)
    {
        if (!Hex.TryParse(gpa, out var address))
        {
            return ApiProblems.Invalid("gpa", "must be a decimal number or 0x-hex");
        }

        if (body.Hex is not { } hex || hex.Length % 2 != 0 || hex.Length == 0 || !hex.All(char.IsAsciiHexDigit))
        {
            return ApiProblems.Invalid("hex", "must be a non-empty, even number of hex digits (bytes in address order)");
        }

        var outcome = await hosts.ApplyAsync(hostId, new WriteGuestMemory(vmId, address.Value, Convert.FromHexString(hex)), (_, _) => true);
        return outcome.Problem is { } problem ? problem : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<MemoryResponse>, ValidationProblem, ProblemHttpResult>> ReadMemory(
        string hostId, string vmId, string gpa, int? length, HostRegistry hosts)
    {
        if (!Hex.TryParse(gpa, out var address))
        {
            return ApiProblems.Invalid("gpa", "must be a decimal number or 0x-hex");
        }

        var count = length ?? 8;
        if (count is < 1 or > MaxMemoryRead)
        {
            return ApiProblems.Invalid("length", $"must be between 1 and {MaxMemoryRead}");
        }

        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm =>
        {
            var buffer = new byte[count];
            return vm.Memory.TryRead(address.Value, buffer)
                ? HostOutcomes.Found(new MemoryResponse(address, Convert.ToHexStringLower(buffer)))
                : new HostOutcome<MemoryResponse>(default, new Domain.Hosts.Rejection(Domain.Hosts.RejectionKind.Unprocessable,
                    $"[{address}, +{count}) is outside guest RAM [0, 0x{vm.Memory.Size:x})."));
        });
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetLpiConfig(
        string hostId, string vmId, uint intId, LpiConfigRequest body, HostRegistry hosts)
    {
        if (intId is < 8192 or > 0xFFFF)
        {
            return ApiProblems.Invalid("intId", "must be an LPI INTID, 8192..65535");
        }

        if (body.Enabled is not { } enabled)
        {
            return ApiProblems.Invalid("enabled", "is required");
        }

        if (body.Priority is not { } priority || priority > 0xFF)
        {
            return ApiProblems.Invalid("priority", "is required, 0..255 (KVM keeps bits [7:2])");
        }

        var outcome = await hosts.ApplyAsync(hostId, new SetLpiConfig(vmId, intId, enabled, (byte)priority), (_, _) => true);
        return outcome.Problem is { } problem ? problem : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<LpiListResponse>, ProblemHttpResult>> ListLpis(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => HostOutcomes.Found(new LpiListResponse(vm.Lpis.Lpis.Select(LpiResponse.From).ToList())));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }
}
