using GicService.Domain.Lpis;

namespace GicService.Domain.Its;

/// <summary>
/// What an MSI (KVM_SIGNAL_MSI, irqfd or the INT command) became: the LPI it made pending, or why it
/// was dropped (an architected translation error, or an errno such as -EBUSY).
/// </summary>
public sealed record MsiResult(Lpi? Lpi, ItsError? ItsError, Errno? Errno, string? Reason)
{
    public bool Delivered => Lpi is not null;

    public static MsiResult Pending(Lpi lpi) => new(lpi, null, null, null);

    public static MsiResult Dropped(ItsError error, string reason) => new(null, error, null, reason);

    public static MsiResult Dropped(Errno errno, string reason) => new(null, null, errno, reason);
}
