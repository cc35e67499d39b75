namespace GicService.Domain.Its;

/// <summary>What an ITE translates to now: its LPI, its collection (null once orphaned) and the collection's vCPU (null when unmapped).</summary>
public sealed record Translation(IntId IntId, CollectionId? CollectionId, uint? Vcpu, uint? LpiTarget);
