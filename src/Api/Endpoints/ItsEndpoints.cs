using GicService.Api.Contracts;
using GicService.Api.Json;
using GicService.Api.Problems;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Mmio;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Limits;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace GicService.Api.Endpoints;

public static class ItsEndpoints
{
    public static IEndpointRouteBuilder MapItsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/hosts/{hostId}/vms/{vmId}").WithTags("Virtual ITS");
        group.MapGet("/its", GetIts).WithName("GetIts").WithSummary("The ITS registers, decoded");
        group.MapGet("/its/registers/{name}", ReadRegister).WithName("ReadItsRegister").WithSummary("MMIO read of a GITS register");
        group.MapPut("/its/registers/{name}", WriteRegister).WithName("WriteItsRegister")
            .WithSummary("MMIO write of a GITS register (a CWRITER write processes the queue)");
        group.MapPost("/its/commands", ProcessCommands).WithName("ProcessItsCommands")
            .WithSummary("Queue structured or raw 32-byte commands at CWRITER and process them");
        group.MapGet("/its/devices", ListDevices).WithName("ListItsDevices").WithSummary("The mapped devices and their ITEs");
        group.MapGet("/its/devices/{deviceId}", GetDevice).WithName("GetItsDevice").WithSummary("One mapped device and its ITEs");
        group.MapGet("/its/collections", ListCollections).WithName("ListItsCollections").WithSummary("The collections and their RDbase");
        group.MapGet("/its/translate", Translate).WithName("TranslateMsi").WithSummary("What an MSI would become, without injecting it");
        group.MapPost("/msi", SignalMsi).WithName("SignalMsi").WithSummary("Inject an MSI in software (KVM_SIGNAL_MSI)");
        group.MapPost("/its/save", Save).WithName("SaveItsTables").WithSummary("Save the ITS tables (ABI rev 0) and pending tables to guest RAM");
        group.MapPost("/its/restore", Restore).WithName("RestoreItsTables").WithSummary("Rebuild the ITS from the tables in guest RAM");
        group.MapPost("/its/reset", Reset).WithName("ResetIts").WithSummary("KVM_DEV_ARM_ITS_CTRL_RESET");
        return app;
    }

    internal static async Task<Results<Ok<ItsResponse>, ProblemHttpResult>> GetIts(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => HostOutcomes.Found(ItsResponse.From(vm.Its)));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<RegisterResponse>, ProblemHttpResult>> ReadRegister(string hostId, string vmId, string name, HostRegistry hosts)
    {
        if (!ItsRegisters.TryFind(name, out var register, out _))
        {
            return ApiProblems.NotFound($"'{name}' is not a GITS register; use one of {string.Join(", ", ItsRegisters.Names)}.");
        }

        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => HostOutcomes.Found(new RegisterResponse(ItsRegisters.NameOf(register), vm.Its.Read(register))));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<RegisterWriteResponse>, ValidationProblem, ProblemHttpResult>> WriteRegister(
        string hostId, string vmId, string name, RegisterWriteRequest body, HostRegistry hosts)
    {
        if (!ItsRegisters.TryFind(name, out var register, out var widthBytes))
        {
            return ApiProblems.NotFound($"'{name}' is not a GITS register; use one of {string.Join(", ", ItsRegisters.Names)}.");
        }

        if (RegisterAccess.TryResolve(body.Value, body.Width, body.Upper, widthBytes, out var access) is { } invalid)
        {
            return invalid;
        }

        var input = new WriteItsRegister(vmId, register, access.Offset, access.Length, access.Value, body.Userspace ?? false);
        var outcome = await hosts.ApplyAsync(hostId, input, (_, applied) =>
        {
            var result = (RegisterWriteResult)applied.Result!;
            return new RegisterWriteResponse(ItsRegisters.NameOf(register), result.Value,
                result.Processed.Count == 0 ? null : result.Processed.Select(CommandResultResponse.From).ToList());
        });
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<CommandsResponse>, ValidationProblem, ProblemHttpResult>> ProcessCommands(
        string hostId, string vmId, CommandsRequest body, HostRegistry hosts, IOptions<LimitsOptions> limits)
    {
        if (body.Commands?.Count > limits.Value.CommandsPerRequest)
        {
            return ApiProblems.LimitExceeded(LimitsOptions.Key(nameof(LimitsOptions.CommandsPerRequest)),
                $"At most {limits.Value.CommandsPerRequest} commands per request (got {body.Commands.Count}).");
        }

        var errors = new Dictionary<string, List<string>>();
        if (ItsCommandRequests.TryMap(body, errors) is not { } commands)
        {
            return ApiProblems.Invalid(errors);
        }

        var outcome = await hosts.ApplyAsync(hostId, new ProcessItsCommands(vmId, commands), (_, applied) =>
        {
            var result = (CommandsResult)applied.Result!;
            return new CommandsResponse(result.Results.Select(CommandResultResponse.From).ToList(), result.Processed, result.Creadr, result.Cwriter);
        });
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<DeviceListResponse>, ProblemHttpResult>> ListDevices(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => HostOutcomes.Found(new DeviceListResponse(vm.Its.Devices.Values.Select(DeviceResponse.From).ToList())));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<DeviceResponse>, ProblemHttpResult>> GetDevice(string hostId, string vmId, uint deviceId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => vm.Its.Devices.TryGetValue(deviceId, out var device)
            ? HostOutcomes.Found(DeviceResponse.From(device))
            : HostOutcomes.Missing<DeviceResponse>($"Device {deviceId} is not mapped in VM '{vmId}'s ITS."));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<CollectionListResponse>, ProblemHttpResult>> ListCollections(string hostId, string vmId, HostRegistry hosts)
    {
        var outcome = await hosts.ReadVmAsync(hostId, vmId, vm => HostOutcomes.Found(new CollectionListResponse(
            vm.Its.Collections.Values.Select(c => new CollectionResponse(c.Id.Value, c.Target, c.IsMapped)).ToList())));
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static async Task<Results<Ok<TranslationResponse>, ValidationProblem, ProblemHttpResult>> Translate(
        string hostId, string vmId, uint? deviceId, uint? eventId, HostRegistry hosts)
    {
        if (deviceId is null || eventId is null)
        {
            return ApiProblems.Invalid(deviceId is null ? "deviceId" : "eventId", "is required");
        }

        if (hosts.Find(hostId) is not { } runner)
        {
            return ApiProblems.HostNotFound(hostId);
        }

        var outcome = await runner.ReadVmAsync(vmId, vm => HostOutcomes.Found(vm.Its.Translate(deviceId.Value, eventId.Value)));
        if (outcome.Rejection is { } r)
        {
            return ApiProblems.From(r);
        }

        return outcome.Value is { } t
            ? TypedResults.Ok(new TranslationResponse(t.IntId.Value, t.CollectionId?.Value, t.Vcpu))
            : ApiProblems.Untranslatable(ItsError.IntUnmappedInterrupt, $"No ITE maps DeviceID {deviceId} EventID {eventId}: an MSI would be dropped.");
    }

    internal static async Task<Results<Ok<MsiResponse>, ValidationProblem, ProblemHttpResult>> SignalMsi(
        string hostId, string vmId, MsiRequest body, HostRegistry hosts)
    {
        if (body.DeviceId is not { } deviceId || body.EventId is not { } eventId)
        {
            return ApiProblems.Invalid(body.DeviceId is null ? "deviceId" : "eventId", "is required");
        }

        var outcome = await hosts.ApplyAsync(hostId, new SignalMsi(vmId, deviceId, eventId), (_, applied) =>
        {
            var msi = (MsiOutcome)applied.Result!;
            return new MsiResponse(msi.Pending ? "pending" : "dropped", msi.IntId, msi.Vcpu, ItsErrorResponse.From(msi.ItsError),
                msi.Errno is { } errno ? $"-{errno}" : null, msi.Reason);
        });
        return outcome.Problem is { } problem ? problem : TypedResults.Ok(outcome.Value!);
    }

    internal static Task<Results<NoContent, ProblemHttpResult>> Save(string hostId, string vmId, HostRegistry hosts) =>
        Control(hosts, hostId, new SaveItsTables(vmId));

    internal static Task<Results<NoContent, ProblemHttpResult>> Restore(string hostId, string vmId, HostRegistry hosts) =>
        Control(hosts, hostId, new RestoreItsTables(vmId));

    internal static Task<Results<NoContent, ProblemHttpResult>> Reset(string hostId, string vmId, HostRegistry hosts) =>
        Control(hosts, hostId, new ResetIts(vmId));

    private static async Task<Results<NoContent, ProblemHttpResult>> Control(HostRegistry hosts, string hostId, HostInput input)
    {
        var outcome = await hosts.ApplyAsync(hostId, input, (_, _) => true);
        return outcome.Problem is { } problem ? problem : TypedResults.NoContent();
    }
}
