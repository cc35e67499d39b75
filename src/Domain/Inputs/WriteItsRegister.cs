using GicService.Domain.Its;

namespace GicService.Domain.Inputs;

/// <summary>
/// An MMIO write of <paramref name="Length"/> bytes (4 or 8) at <paramref name="OffsetInRegister"/> (0 or 4)
/// of a GITS register. <paramref name="Userspace"/> takes KVM's KVM_DEV_ARM_VGIC_GRP_ITS_REGS path
/// (IIDR selects the ABI revision, CREADR is writable while disabled).
/// </summary>
public sealed record WriteItsRegister(string VmId, ItsRegister Register, int OffsetInRegister, int Length, ulong Value, bool Userspace = false)
    : HostInput<RegisterWriteResult>;

/// <summary>The value the register reads back after the write, and the commands a CWRITER or CTLR write processed.</summary>
public sealed record RegisterWriteResult(ulong Value, IReadOnlyList<ProcessedCommand> Processed);
