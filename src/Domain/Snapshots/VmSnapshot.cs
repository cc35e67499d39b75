using GicService.Domain.Vcpus;
using GicService.Domain.Vms;

namespace GicService.Domain.Snapshots;

/// <summary>One VM: its RAM (populated 4 KiB pages), vCPUs with their redistributors, LPIs, virtual ITS and ITT placement.</summary>
public sealed record VmSnapshot(
    string Id,
    VmSetup Setup,
    ulong MemoryBytes,
    IReadOnlyList<GuestPageSnapshot> Pages,
    IReadOnlyList<VcpuSnapshot> Vcpus,
    ulong PropBaser,
    IReadOnlyList<LpiSnapshot> Lpis,
    ItsSnapshot Its,
    IttAllocatorSnapshot IttAllocator);

/// <summary>A populated page of guest RAM: page <paramref name="Number"/> covers [Number * 4096, +4096).</summary>
public sealed record GuestPageSnapshot(ulong Number, byte[] Data);

/// <summary>A vCPU's scheduling state and its redistributor's LPI registers (GICR_CTLR.EnableLPIs, GICR_PENDBASER as stored).</summary>
public sealed record VcpuSnapshot(uint Id, VcpuState State, uint? Pcpu, bool EnableLpis, ulong PendBaser);

/// <summary>One LPI (struct vgic_irq): cached configuration, pending latch, list membership, forwarding and ITE references.</summary>
public sealed record LpiSnapshot(uint IntId, uint? TargetVcpu, byte Priority, bool Enabled, bool Pending, bool Queued, uint? HostIrq, int References);

/// <summary>Where the service has placed ITTs in guest RAM, and the next free address from the top.</summary>
public sealed record IttAllocatorSnapshot(ulong Top, IReadOnlyList<IttAllocationSnapshot> Allocations);

public sealed record IttAllocationSnapshot(uint DeviceId, ulong Address, ulong Bytes);
