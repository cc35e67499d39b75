namespace GicService.Domain.HostIts;

/// <summary>One pCPU's redistributor: at most one resident vPE, described by GICR_VPENDBASER.</summary>
public sealed class PhysicalRedistributor
{
    internal PhysicalRedistributor(uint pcpu) => Pcpu = pcpu;

    public uint Pcpu { get; }

    public ushort? ResidentVpe { get; internal set; }

    public ulong VpendBaser { get; internal set; }
}
