using GicService.Api.Json;
using GicService.Domain.Vms;

namespace GicService.Api.Contracts;

public sealed record CreateVmRequest(string? Id, int? Vcpus, int? MemoryMiB, string? Setup);

public sealed record VmResponse(
    string Id,
    int Vcpus,
    int MemoryMiB,
    string Setup,
    Hex ItsBase,
    Hex TranslaterAddress,
    bool ItsEnabled,
    int Devices,
    int Collections,
    int Lpis)
{
    public static VmResponse From(Vm vm) => new(
        vm.Id,
        vm.Vcpus.Count,
        (int)(vm.Memory.Size >> 20),
        vm.Setup == VmSetup.Ready ? "ready" : "bare",
        vm.Its.BaseAddress,
        vm.Its.TranslaterAddress,
        vm.Its.Enabled,
        vm.Its.Devices.Count,
        vm.Its.Collections.Count,
        vm.Lpis.Count);
}

public sealed record VmListResponse(IReadOnlyList<VmResponse> Vms);

public sealed record MemoryWriteRequest(string? Hex);

public sealed record MemoryResponse(Hex Gpa, string Hex);
