using System.ComponentModel.DataAnnotations;
using GicService.Domain.Hosts;
using GicService.Domain.Vms;

namespace GicService.Infrastructure.Limits;

/// <summary>
/// Configuration section <c>Limits</c> (docs/access-control-and-limits.md). The defaults keep one 2-core machine healthy while
/// leaving every KVM-sized scenario possible: vCPUs per VM default to KVM's 512, vectors to PCI's 2048. A
/// request beyond a limit is refused with a 413 or 422 problem naming it, and changes nothing.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>The configuration key of a limit, as problems name it: <c>Key(nameof(Hosts))</c> is <c>Limits:Hosts</c>.</summary>
    public static string Key(string limit) => $"{Section}:{limit}";

    /// <summary>Largest request body, in bytes (413 beyond it); trace replay has its own, <see cref="TraceBodyBytes"/>.</summary>
    [Range(1024, 1L << 30)]
    public long RequestBodyBytes { get; set; } = 1 << 20;

    /// <summary>Largest trace <c>POST /api/hosts/replay</c> reads (a million inputs take about 150 MB).</summary>
    [Range(1024, 4L << 30)]
    public long TraceBodyBytes { get; set; } = 256L << 20;

    /// <summary>Most ITS commands one <c>POST .../its/commands</c> may queue.</summary>
    [Range(1, 1 << 20)]
    public int CommandsPerRequest { get; set; } = 4096;

    /// <summary>Most hosts the service runs at once.</summary>
    [Range(1, 1 << 20)]
    public int Hosts { get; set; } = 64;

    /// <summary>Most pCPUs one host may have.</summary>
    [Range(1, HostConfiguration.MaxPcpus)]
    public int PcpusPerHost { get; set; } = 512;

    [Range(1, 1 << 20)]
    public int VmsPerHost { get; set; } = 64;

    [Range(1, Host.MaxVcpusPerVm)]
    public int VcpusPerVm { get; set; } = Host.MaxVcpusPerVm;

    [Range(1, 1 << 20)]
    public int VfioDevicesPerHost { get; set; } = 64;

    [Range(1, Host.MaxVectorsPerDevice)]
    public int VectorsPerDevice { get; set; } = Host.MaxVectorsPerDevice;

    /// <summary>Most bytes of a VM's RAM that hold written data (counted in 4 KiB pages); RAM never written costs nothing.</summary>
    [Range(4096, (long)Vm.MaxMemoryMiB << 20)]
    public long GuestMemoryBytesPerVm { get; set; } = 64L << 20;

    /// <summary>Most events a host keeps for reading and replaying to subscribers; older ones are dropped.</summary>
    [Range(1024, int.MaxValue)]
    public int EventsRetainedPerHost { get; set; } = 250_000;

    /// <summary>Most hosts one hub connection may be subscribed to at once.</summary>
    [Range(1, 1024)]
    public int HubSubscriptionsPerConnection { get; set; } = 16;

    /// <summary>Requests per second per key (per client address when anonymous); 0, the default, is no rate limit.</summary>
    [Range(0, 1_000_000)]
    public int RatePerSecond { get; set; }

    /// <summary>Requests a key may make at once beyond its rate; unset, one second's worth.</summary>
    [Range(1, 10_000_000)]
    public int? RateBurst { get; set; }

    /// <summary>The limits a new host is created with.</summary>
    public HostLimits HostLimits => new(VmsPerHost, VcpusPerVm, VfioDevicesPerHost, VectorsPerDevice, GuestMemoryBytesPerVm);
}

/// <summary>A service-wide limit (not one a host keeps) was reached; nothing was changed.</summary>
public sealed class LimitExceededException(string limit, string message) : Exception(message)
{
    /// <summary>The configuration name of the limit, e.g. <c>Limits:Hosts</c>.</summary>
    public string Limit { get; } = limit;
}
