namespace GicService.Domain.Its;

/// <summary>
/// The negative Linux errnos KVM's ITS code returns for non-architected failures (spec/its.md §3.1,
/// §5, §6). The guest never sees them; the emulator reports them to the caller.
/// </summary>
public enum Errno
{
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    EACCES = 13,
    ENXIO = 6,
}
