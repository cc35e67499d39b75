namespace GicService.Domain.Vms;

/// <summary>How a new VM's vGIC starts: as KVM presents it (bare), or with the guest's boot-time ITS set-up done (ready).</summary>
public enum VmSetup
{
    Ready,
    Bare,
}
