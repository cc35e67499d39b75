using GicService.Domain.Snapshots;

namespace GicService.Domain.Vfio;

/// <summary>A PCI function assigned to a VM through VFIO: its host DeviceID (the PCI requester ID) and its MSI-X vectors.</summary>
public sealed class VfioDevice
{
    internal VfioDevice(string id, string bdf, uint hostDeviceId, string vmId, uint guestDeviceId, IReadOnlyList<MsixVector> vectors)
    {
        Id = id;
        Bdf = bdf;
        HostDeviceId = hostDeviceId;
        VmId = vmId;
        GuestDeviceId = guestDeviceId;
        Vectors = vectors;
    }

    public string Id { get; }

    public string Bdf { get; }

    public uint HostDeviceId { get; }

    public string VmId { get; }

    /// <summary>The DeviceID the VMM puts in the routing entries of this function's vectors.</summary>
    public uint GuestDeviceId { get; }

    public IReadOnlyList<MsixVector> Vectors { get; }

    internal VfioDeviceSnapshot TakeSnapshot() =>
        new(Id, Bdf, HostDeviceId, VmId, GuestDeviceId, Vectors.Select(v => v.TakeSnapshot()).ToList());

    /// <summary>The requester ID of a "dddd:bb:dd.f" address: bus &lt;&lt; 8 | device &lt;&lt; 3 | function; null when malformed.</summary>
    public static uint? RequesterId(string bdf)
    {
        var parts = bdf.Split(':', '.');
        if (parts.Length != 4 || parts[0].Length != 4 || parts[1].Length != 2 || parts[2].Length != 2 || parts[3].Length != 1
            || !parts.All(p => p.All(char.IsAsciiHexDigit)))
        {
            return null;
        }

        var bus = Convert.ToUInt32(parts[1], 16);
        var device = Convert.ToUInt32(parts[2], 16);
        var function = Convert.ToUInt32(parts[3], 16);
        return device > 31 || function > 7 ? null : (bus << 8) | (device << 3) | function;
    }
}
