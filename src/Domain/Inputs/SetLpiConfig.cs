namespace GicService.Domain.Inputs;

/// <summary>Write an LPI's byte in the property table; KVM notices at INV/INVALL.</summary>
public sealed record SetLpiConfig(string VmId, uint IntId, bool Enabled, byte Priority) : HostInput<Done>;
