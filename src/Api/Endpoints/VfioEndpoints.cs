using GicService.Api.Contracts;
using GicService.Api.Problems;
using GicService.Domain.Bridge;
using GicService.Domain.Inputs;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class VfioEndpoints
{
    public static IEndpointRouteBuilder MapVfioEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts/{hostId}/vfio/devices").WithTags("VFIO");
        group.MapPost("/", Assign).WithName("AssignVfioDevice").WithSummary("Assign a VFIO PCI function with MSI-X vectors to a VM");
        group.MapGet("/", List).WithName("ListVfioDevices").WithSummary("The VFIO functions of a host");
        group.MapGet("/{deviceId}", Get).WithName("GetVfioDevice").WithSummary("One VFIO function and its vectors");
        group.MapPut("/{deviceId}/msix/{vector}", Program).WithName("ProgramMsixVector")
            .WithSummary("The guest programs a vector; the VMM re-arms it (unset forwarding, then set forwarding unless masked)");
        group.MapPost("/{deviceId}/msix/{vector}/trigger", Trigger).WithName("TriggerMsixVector").WithSummary("The device raises that MSI");
        return app;
    }

    internal static async Task<Results<Created<VfioDeviceResponse>, ValidationProblem, ProblemHttpResult>> Assign(
        string hostId, AssignVfioDeviceRequest body, HostRegistry hosts)
    {
        if (body.Id is { } id && !ResourceIds.IsValid(id))
        {
            return ApiProblems.Invalid("id", ResourceIds.Rule);
        }

        if (body.Bdf is null || Domain.Vfio.VfioDevice.RequesterId(body.Bdf) is null)
        {
            return ApiProblems.Invalid("bdf", "is required, as a PCI address dddd:bb:dd.f");
        }

        if (body.Vectors is not { } vectors)
        {
            return ApiProblems.Invalid("vectors", "is required");
        }

        if (body.VmId is null)
        {
            return ApiProblems.Invalid("vmId", "is required");
        }

        if (body.GuestDeviceId is not { } guestDeviceId)
        {
            return ApiProblems.Invalid("guestDeviceId", "is required: the DeviceID the VMM puts in this function's MSI routes");
        }

        if (hosts.Find(hostId) is not { } runner)
        {
            return ApiProblems.HostNotFound(hostId);
        }

        var outcome = await runner.ApplyAsync(new AssignVfioDevice(body.Id, body.Bdf, vectors, body.VmId, guestDeviceId),
            (host, applied) => VfioDeviceResponse.From(host.FindVfioDevice((string)applied.Result!)!));
        return outcome.Rejection is { } r
            ? ApiProblems.From(r)
            : TypedResults.Created($"/api/hosts/{hostId}/vfio/devices/{outcome.Value!.Id}", outcome.Value);
    }

    internal static async Task<Results<Ok<VfioDeviceListResponse>, ProblemHttpResult>> List(string hostId, HostRegistry hosts) =>
        hosts.Find(hostId) is { } runner
            ? TypedResults.Ok(await runner.ReadAsync(host => new VfioDeviceListResponse(host.VfioDevices.Select(VfioDeviceResponse.From).ToList())))
            : ApiProblems.HostNotFound(hostId);

    internal static async Task<Results<Ok<VfioDeviceResponse>, ProblemHttpResult>> Get(string hostId, string deviceId, HostRegistry hosts)
    {
        if (hosts.Find(hostId) is not { } runner)
        {
            return ApiProblems.HostNotFound(hostId);
        }

        var device = await runner.ReadAsync(host => host.FindVfioDevice(deviceId) is { } d ? VfioDeviceResponse.From(d) : null);
        return device is null ? ApiProblems.NotFound($"VFIO device '{deviceId}' does not exist on host '{hostId}'.") : TypedResults.Ok(device);
    }

    internal static async Task<Results<Ok<MsixVectorResponse>, ValidationProblem, ProblemHttpResult>> Program(
        string hostId, string deviceId, int vector, ProgramVectorRequest body, HostRegistry hosts)
    {
        if (body.Address is not { } address)
        {
            return ApiProblems.Invalid("address", "is required");
        }

        if (body.Data is not { } data || data.Value > uint.MaxValue)
        {
            return ApiProblems.Invalid("data", "is required and fits 32 bits");
        }

        var outcome = await hosts.ApplyAsync(hostId, new ProgramMsixVector(deviceId, vector, address.Value, (uint)data.Value, body.Masked ?? false),
            (host, _) => MsixVectorResponse.From(host.FindVfioDevice(deviceId)!.Vectors[vector]));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<TriggerResponse>, ProblemHttpResult>> Trigger(string hostId, string deviceId, int vector, HostRegistry hosts)
    {
        var outcome = await hosts.ApplyAsync(hostId, new TriggerMsixVector(deviceId, vector), (_, applied) => TriggerResponse.From((TriggerOutcome)applied.Result!));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }
}
