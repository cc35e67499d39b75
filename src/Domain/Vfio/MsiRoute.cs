namespace GicService.Domain.Vfio;

/// <summary>KVM's MSI routing entry for an irqfd: doorbell address (a vITS GITS_TRANSLATER), data (= EventID) and the guest DeviceID (KVM_MSI_VALID_DEVID).</summary>
public sealed record MsiRoute(ulong Address, uint Data, uint DeviceId);
