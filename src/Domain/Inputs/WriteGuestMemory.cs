namespace GicService.Domain.Inputs;

public sealed record WriteGuestMemory(string VmId, ulong Gpa, byte[] Data) : HostInput<Done>;
