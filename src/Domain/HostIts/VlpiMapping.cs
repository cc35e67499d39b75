namespace GicService.Domain.HostIts;

/// <summary>
/// One VLPI: a host event (DeviceID_h, EventID_h) VMAPTI'd to (vPE, vINTID) (struct its_vlpi_map).
/// <see cref="DbEnabled"/> is the v4.0 per-VLPI doorbell, on while the VLPI is enabled.
/// </summary>
public sealed class VlpiMapping
{
    internal VlpiMapping(uint hostDeviceId, uint eventId, uint hostIrq, string vmId, ushort vpeId, uint vintId)
    {
        HostDeviceId = hostDeviceId;
        EventId = eventId;
        HostIrq = hostIrq;
        VmId = vmId;
        VpeId = vpeId;
        VIntId = vintId;
    }

    public uint HostDeviceId { get; }

    public uint EventId { get; }

    public uint HostIrq { get; }

    public string VmId { get; }

    public ushort VpeId { get; internal set; }

    public uint VIntId { get; }

    public bool DbEnabled { get; internal set; } = true;
}
