using GicService.Domain.Hosts;
using Host = GicService.Domain.Hosts.Host;
using GicService.Domain.Inputs;
using GicService.Domain.Vms;
using GicService.Infrastructure.Hosting;

namespace GicService.Api.Endpoints;

/// <summary>A value read or produced on a host's loop, or the reason there is none.</summary>
public readonly record struct HostOutcome<T>(T? Value, Rejection? Rejection);

public static class HostOutcomes
{
    /// <summary>Applies an input; the mapping of its result runs on the host's loop, before the next input.</summary>
    public static Task<HostOutcome<T>> ApplyAsync<T>(this HostRunner runner, HostInput input, Func<Host, Applied, T> map) =>
        runner.ExecuteAsync(input, (host, applied) =>
            applied.Rejection is { } rejection ? new HostOutcome<T>(default, rejection) : new HostOutcome<T>(map(host, applied), null));

    /// <summary>Reads one VM between inputs; a missing VM is a not-found rejection.</summary>
    public static Task<HostOutcome<T>> ReadVmAsync<T>(this HostRunner runner, string vmId, Func<Vm, HostOutcome<T>> read) =>
        runner.ReadVmAsync(vmId, (_, vm) => read(vm));

    /// <summary>Reads one VM and its host between inputs; a missing VM is a not-found rejection.</summary>
    public static Task<HostOutcome<T>> ReadVmAsync<T>(this HostRunner runner, string vmId, Func<Host, Vm, HostOutcome<T>> read) =>
        runner.ReadAsync(host => host.FindVm(vmId) is { } vm
            ? read(host, vm)
            : new HostOutcome<T>(default, new Rejection(RejectionKind.NotFound, $"VM '{vmId}' does not exist on host '{host.Id}'.")));

    public static HostOutcome<T> Found<T>(T value) => new(value, null);

    public static HostOutcome<T> Missing<T>(string detail) => new(default, new Rejection(RejectionKind.NotFound, detail));
}
