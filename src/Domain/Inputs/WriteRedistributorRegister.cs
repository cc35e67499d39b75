using GicService.Domain.Lpis;

namespace GicService.Domain.Inputs;

/// <summary>An MMIO write to a vCPU's redistributor, as <see cref="WriteItsRegister"/>.</summary>
public sealed record WriteRedistributorRegister(string VmId, uint Vcpu, RedistributorRegister Register, int OffsetInRegister, int Length, ulong Value)
    : HostInput<ulong>;
