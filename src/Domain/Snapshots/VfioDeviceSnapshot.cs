using GicService.Domain.Vfio;

namespace GicService.Domain.Snapshots;

/// <summary>An assigned VFIO function; each vector names its host IRQ (listed in <see cref="HostItsSnapshot.HostIrqs"/>).</summary>
public sealed record VfioDeviceSnapshot(string Id, string Bdf, uint HostDeviceId, string VmId, uint GuestDeviceId, IReadOnlyList<MsixVectorSnapshot> Vectors);

public sealed record MsixVectorSnapshot(
    int Index,
    uint HostIrq,
    ulong Address,
    uint Data,
    bool Masked,
    bool PbaPending,
    MsiRoute? Route,
    bool Paired,
    string? ConnectedVm);
