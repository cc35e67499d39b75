namespace GicService.Domain.Its;

/// <summary>The return value of one command handler: success, an architected error, or a Linux errno.</summary>
internal readonly record struct CommandResult(CommandStatus Status, ItsError? ItsError, Errno? Errno, string? Reason)
{
    public static CommandResult Ok => new(CommandStatus.Ok, null, null, null);

    public static CommandResult Ignored => new(CommandStatus.Ignored, null, Its.Errno.ENODEV, "not implemented by KVM's virtual ITS");

    public static CommandResult Fail(ItsError error) => new(CommandStatus.Error, error, null, null);

    public static CommandResult Fail(Errno errno, string reason) => new(CommandStatus.Error, null, errno, reason);

    public static implicit operator CommandResult(ItsError error) => Fail(error);
}
