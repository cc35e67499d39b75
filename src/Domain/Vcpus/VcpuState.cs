namespace GicService.Domain.Vcpus;

/// <summary>Where a vCPU is in KVM's scheduling: running on a pCPU, preempted (not loaded), or blocked in WFI.</summary>
public enum VcpuState
{
    Preempted,
    Running,
    Blocked,
}
