namespace GicService.Domain.Vcpus;

/// <summary>
/// One vCPU's scheduling state. Transitions follow KVM: vcpu_load makes it resident on a pCPU, vcpu_put
/// takes it off, WFI blocks it (put with the doorbell armed), and a wake-up makes it resident again on
/// the pCPU it was loaded on.
/// </summary>
public sealed class Vcpu
{
    internal Vcpu(uint id) => Id = id;

    public uint Id { get; }

    public VcpuState State { get; private set; } = VcpuState.Preempted;

    /// <summary>The pCPU it runs on, or last ran on / was loaded on (null before the first load).</summary>
    public uint? Pcpu { get; private set; }

    public bool Resident => State == VcpuState.Running;

    public bool DoorbellArmed => State == VcpuState.Blocked;

    internal void Load(uint pcpu)
    {
        Pcpu = pcpu;
        if (State != VcpuState.Blocked)
        {
            State = VcpuState.Running;
        }
    }

    internal void Put()
    {
        State = VcpuState.Preempted;
    }

    internal void Block()
    {
        State = VcpuState.Blocked;
    }

    internal void Unblock()
    {
        State = VcpuState.Running;
    }

    internal void Restore(VcpuState state, uint? pcpu)
    {
        State = state;
        Pcpu = pcpu;
    }
}
