using GicService.Domain.Its;

namespace GicService.Domain.Events;

/// <summary>A command of a VM's virtual ITS queue ran and succeeded (or was ignored, as KVM ignores unknown opcodes).</summary>
public sealed record ItsCommandProcessed(string VmId, string Op, string Raw, ulong Offset) : FabricEvent;

/// <summary>
/// A command of a VM's virtual ITS queue failed: it changed nothing and the queue went on. Carries the
/// architected error, or the Linux errno KVM's handler returned for a non-architected failure.
/// </summary>
public sealed record ItsCommandError(string VmId, string Op, string Raw, ulong Offset, ItsError? ItsError, Errno? Errno, string Reason)
    : FabricEvent;
