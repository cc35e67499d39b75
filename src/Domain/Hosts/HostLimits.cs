using GicService.Domain.Memory;
using GicService.Domain.Vms;

namespace GicService.Domain.Hosts;

/// <summary>
/// How much one host may hold, set when it is created and kept with its configuration, so a journal replays
/// against the limits it was written under. An input that would go beyond one is refused with
/// <see cref="RejectionKind.LimitExceeded"/> naming it, and changes nothing. <see cref="Architectural"/> is no
/// limit beyond what KVM and PCI themselves allow.
/// </summary>
public sealed record HostLimits(int Vms, int VcpusPerVm, int VfioDevices, int VectorsPerDevice, long GuestMemoryBytesPerVm)
{
    public static readonly HostLimits Architectural = new(
        int.MaxValue, Host.MaxVcpusPerVm, int.MaxValue, Host.MaxVectorsPerDevice, (long)Vm.MaxMemoryMiB << 20);

    /// <summary>The configuration names of the limits, as problems and documentation quote them.</summary>
    public static class Names
    {
        public const string Vms = "Limits:VmsPerHost";
        public const string VcpusPerVm = "Limits:VcpusPerVm";
        public const string VfioDevices = "Limits:VfioDevicesPerHost";
        public const string VectorsPerDevice = "Limits:VectorsPerDevice";
        public const string GuestMemoryBytesPerVm = "Limits:GuestMemoryBytesPerVm";
    }

    /// <summary>The tighter of each pair: what a host built from a trace may hold under this service's limits.</summary>
    public HostLimits Min(HostLimits other) => new(
        Math.Min(Vms, other.Vms),
        Math.Min(VcpusPerVm, other.VcpusPerVm),
        Math.Min(VfioDevices, other.VfioDevices),
        Math.Min(VectorsPerDevice, other.VectorsPerDevice),
        Math.Min(GuestMemoryBytesPerVm, other.GuestMemoryBytesPerVm));

    public IEnumerable<(string Field, string Problem)> Validate()
    {
        if (Vms < 1)
        {
            yield return ("limits.vms", "must be 1 or more");
        }

        if (VcpusPerVm is < 1 or > Host.MaxVcpusPerVm)
        {
            yield return ("limits.vcpusPerVm", $"must be between 1 and {Host.MaxVcpusPerVm}");
        }

        if (VfioDevices < 1)
        {
            yield return ("limits.vfioDevices", "must be 1 or more");
        }

        if (VectorsPerDevice is < 1 or > Host.MaxVectorsPerDevice)
        {
            yield return ("limits.vectorsPerDevice", $"must be between 1 and {Host.MaxVectorsPerDevice}");
        }

        if (GuestMemoryBytesPerVm < GuestMemory.PageSize)
        {
            yield return ("limits.guestMemoryBytesPerVm", $"must be at least one page ({GuestMemory.PageSize})");
        }
    }
}
