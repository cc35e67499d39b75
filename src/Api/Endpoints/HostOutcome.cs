using GicService.Api.Problems;
using GicService.Domain.Hosts;
using Host = GicService.Domain.Hosts.Host;
using GicService.Domain.Inputs;
using GicService.Domain.Vms;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

/// <summary>A value read or produced on a host's loop, or the reason there is none (a missing host among them).</summary>
public readonly record struct HostOutcome<T>(T? Value, Rejection? Rejection)
{
    /// <summary>Set when there was no such host, so nothing was read or applied.</summary>
    public string? MissingHostId { get; init; }

    /// <summary>The problem to answer with (404 host-not-found, or the rejection's), or null when there is a value.</summary>
    public ProblemHttpResult? Problem =>
        MissingHostId is { } hostId ? ApiProblems.HostNotFound(hostId) : Rejection is { } rejection ? ApiProblems.From(rejection) : null;
}

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

    /// <summary>Applies an input on the host <paramref name="hostId"/>; no such host is the outcome's <see cref="HostOutcome{T}.Problem"/>.</summary>
    public static Task<HostOutcome<T>> ApplyAsync<T>(this HostRegistry hosts, string hostId, HostInput input, Func<Host, Applied, T> map) =>
        hosts.Find(hostId) is { } runner ? runner.ApplyAsync(input, map) : Task.FromResult(NoHost<T>(hostId));

    /// <summary>Reads one VM of the host <paramref name="hostId"/> between inputs.</summary>
    public static Task<HostOutcome<T>> ReadVmAsync<T>(this HostRegistry hosts, string hostId, string vmId, Func<Vm, HostOutcome<T>> read) =>
        hosts.Find(hostId) is { } runner ? runner.ReadVmAsync(vmId, read) : Task.FromResult(NoHost<T>(hostId));

    /// <summary>Reads one VM and its host <paramref name="hostId"/> between inputs.</summary>
    public static Task<HostOutcome<T>> ReadVmAsync<T>(this HostRegistry hosts, string hostId, string vmId, Func<Host, Vm, HostOutcome<T>> read) =>
        hosts.Find(hostId) is { } runner ? runner.ReadVmAsync(vmId, read) : Task.FromResult(NoHost<T>(hostId));

    /// <summary>Reads the host <paramref name="hostId"/> between inputs.</summary>
    public static async Task<HostOutcome<T>> ReadAsync<T>(this HostRegistry hosts, string hostId, Func<Host, HostOutcome<T>> read) =>
        hosts.Find(hostId) is { } runner ? await runner.ReadAsync(read) : NoHost<T>(hostId);

    public static HostOutcome<T> Found<T>(T value) => new(value, null);

    private static HostOutcome<T> NoHost<T>(string hostId) => new(default, null) { MissingHostId = hostId };

    public static HostOutcome<T> Missing<T>(string detail) => new(default, new Rejection(RejectionKind.NotFound, detail));
}
