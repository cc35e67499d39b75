namespace GicService.Domain.Inputs;

/// <summary>KVM_SIGNAL_MSI to the VM's ITS doorbell with KVM_MSI_VALID_DEVID.</summary>
public sealed record SignalMsi(string VmId, uint DeviceId, uint EventId) : HostInput<MsiOutcome>;

/// <summary>What became of an MSI: pending on an LPI, or dropped with an architected error or a reason.</summary>
public sealed record MsiOutcome(bool Pending, uint? IntId, uint? Vcpu, Its.ItsError? ItsError, Its.Errno? Errno, string? Reason);
