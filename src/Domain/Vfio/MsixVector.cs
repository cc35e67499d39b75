using GicService.Domain.HostIts;
using GicService.Domain.Snapshots;

namespace GicService.Domain.Vfio;

/// <summary>
/// One MSI-X vector of a VFIO function. The device's table entry always holds the host message; what the
/// guest programs (address, data, mask) lives in the VMM's emulated table and becomes KVM's routing
/// entry. While connected, the irq-bypass producer (this host IRQ) is paired with the VM's irqfd.
/// </summary>
public sealed class MsixVector
{
    internal MsixVector(int index, HostInterrupt hostIrq)
    {
        Index = index;
        Host = hostIrq;
    }

    public int Index { get; }

    public HostInterrupt Host { get; }

    public ulong Address { get; internal set; }

    public uint Data { get; internal set; }

    /// <summary>Vectors start masked, as after reset.</summary>
    public bool Masked { get; internal set; } = true;

    /// <summary>An interrupt raised while masked, held in the emulated Pending Bit Array until unmasked.</summary>
    public bool PbaPending { get; internal set; }

    /// <summary>The irqfd's routing entry (the eventfd reaches KVM through it); null while the vector is masked or never programmed.</summary>
    public MsiRoute? Route { get; internal set; }

    /// <summary>The irq-bypass producer (this host IRQ) is paired with the irqfd's consumer: set_forwarding has run.</summary>
    public bool Paired { get; internal set; }

    /// <summary>The VM whose irqfd this vector is connected to.</summary>
    public string? ConnectedVm { get; internal set; }

    internal MsixVectorSnapshot TakeSnapshot() => new(Index, Host.Irq, Address, Data, Masked, PbaPending, Route, Paired, ConnectedVm);

    /// <summary>A vector as snapshotted, on <paramref name="hostIrq"/> (the host ITS's own object for that IRQ).</summary>
    internal static MsixVector FromSnapshot(MsixVectorSnapshot snapshot, HostInterrupt hostIrq) => new(snapshot.Index, hostIrq)
    {
        Address = snapshot.Address,
        Data = snapshot.Data,
        Masked = snapshot.Masked,
        PbaPending = snapshot.PbaPending,
        Route = snapshot.Route,
        Paired = snapshot.Paired,
        ConnectedVm = snapshot.ConnectedVm,
    };
}
