namespace GicService.Domain.HostIts;

/// <summary>
/// A Linux host IRQ backing one VFIO MSI-X vector: the host ITS event (DeviceID_h, EventID_h) and its
/// physical LPI on a host collection. <see cref="Forwarded"/> is true while the event is VMAPTI'd
/// instead of MAPTI'd (spec/vgic-v4.md §7.1).
/// </summary>
public sealed class HostInterrupt
{
    internal HostInterrupt(uint irq, uint hostDeviceId, uint eventId, uint hostLpi, ushort collection)
    {
        Irq = irq;
        HostDeviceId = hostDeviceId;
        EventId = eventId;
        HostLpi = hostLpi;
        Collection = collection;
    }

    public uint Irq { get; }

    public uint HostDeviceId { get; }

    public uint EventId { get; }

    public uint HostLpi { get; }

    /// <summary>The host collection (= pCPU) the physical LPI targets.</summary>
    public ushort Collection { get; }

    public bool Forwarded { get; internal set; }
}
