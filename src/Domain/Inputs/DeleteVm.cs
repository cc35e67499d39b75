namespace GicService.Domain.Inputs;

public sealed record DeleteVm(string VmId) : HostInput<Done>;
