namespace GicService.Domain.Its;

public enum CommandStatus
{
    /// <summary>The command ran and succeeded.</summary>
    Ok,

    /// <summary>The command failed (architected error or errno) and changed nothing.</summary>
    Error,

    /// <summary>KVM does not implement the opcode (GICv4 V-commands, unknown opcodes): ignored (-ENODEV).</summary>
    Ignored,
}

/// <summary>What processing one command of the queue did. <paramref name="Raw"/> is the 64 hex digits read from the queue.</summary>
public sealed record ProcessedCommand(ulong Offset, string Raw, string Op, CommandStatus Status, ItsError? ItsError, Errno? Errno, string? Reason);
