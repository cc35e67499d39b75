using GicService.Domain.Vms;

namespace GicService.Domain.Inputs;

/// <summary>Create a VM; a null id gets the next free "vm{n}".</summary>
public sealed record CreateVm(string? Id, int Vcpus, int MemoryMiB, VmSetup Setup) : HostInput<string>;
