using System.Diagnostics.Metrics;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Domain.Metrics;

/// <summary>
/// What the fabric did, counted with <see cref="System.Diagnostics.Metrics"/> on the meter
/// <c>GicService.Domain</c> (docs/operations.md lists every instrument). Counting is write-only: nothing in
/// the domain reads a count, so state, events and outcomes are the same with or without a listener.
/// <para>
/// One static meter for the process (docs/decisions.md, "Domain metrics"): the domain references no package,
/// so it cannot take an <c>IMeterFactory</c>, and a host is built in many places (registry, recovery, replay,
/// tests, benchmarks). Every tag value is a preallocated <see cref="KeyValuePair{TKey,TValue}"/>, so counting an
/// MSI allocates nothing and formats no string; with no listener an <c>Add</c> is a flag test.
/// </para>
/// </summary>
public static class DomainMetrics
{
    public const string MeterName = "GicService.Domain";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Msis = Meter.CreateCounter<long>("gicservice.msis", "{msi}",
        "MSIs through a VM's virtual ITS (KVM_SIGNAL_MSI, irqfd injection of a VFIO vector, the INT command), by path, outcome and reason.");

    private static readonly Counter<long> VlpisDelivered = Meter.CreateCounter<long>("gicservice.vlpis.delivered", "{vlpi}",
        "VLPIs presented to a resident vPE without a hypervisor exit (VlpiDelivered events), by when.");

    private static readonly Counter<long> Doorbells = Meter.CreateCounter<long>("gicservice.doorbells", "{doorbell}",
        "vPE doorbells fired (DoorbellFired events), by GIC version.");

    private static readonly Counter<long> GuestItsCommands = Meter.CreateCounter<long>("gicservice.its.commands", "{command}",
        "Commands a guest's virtual ITS processed, by opcode, status and error.");

    private static readonly Counter<long> HostItsCommands = Meter.CreateCounter<long>("gicservice.host_its.commands", "{command}",
        "Commands the vgic-v4 bridge sent the host's GICv4 ITS (HostItsCommand events), by opcode.");

    private static readonly KeyValuePair<string, object?> Delivered = new("outcome", "delivered");
    private static readonly KeyValuePair<string, object?> Dropped = new("outcome", "dropped");
    private static readonly KeyValuePair<string, object?> NoReason = new("reason", "none");
    private static readonly KeyValuePair<string, object?> NoError = new("error", "none");
    private static readonly KeyValuePair<string, object?> UnreadableOp = new("op", "UNREADABLE");
    private static readonly KeyValuePair<string, object?> V40 = new("gic", "v4.0");
    private static readonly KeyValuePair<string, object?> V41 = new("gic", "v4.1");

    private static readonly KeyValuePair<string, object?>[] Paths = Tags("path", Enum.GetValues<MsiPath>(), p => p switch
    {
        MsiPath.Signal => "signal",
        MsiPath.Int => "int",
        MsiPath.Irqfd => "irqfd",
        _ => throw new ArgumentOutOfRangeException(nameof(p)),
    });

    private static readonly KeyValuePair<string, object?>[] Whens = Tags("when", Enum.GetValues<VlpiDelivery>(), w => w switch
    {
        VlpiDelivery.Resident => "resident",
        VlpiDelivery.Load => "load",
        VlpiDelivery.Enable => "enable",
        _ => throw new ArgumentOutOfRangeException(nameof(w)),
    });

    private static readonly KeyValuePair<string, object?>[] Statuses = Tags("status", Enum.GetValues<CommandStatus>(), s => s switch
    {
        CommandStatus.Ok => "ok",
        CommandStatus.Error => "error",
        CommandStatus.Ignored => "ignored",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    });

    /// <summary>The op tag of each opcode byte: the mnemonic, or UNKNOWN for an opcode the ITS does not define.</summary>
    private static readonly KeyValuePair<string, object?>[] Ops = Enumerable.Range(0, 256)
        .Select(b => new KeyValuePair<string, object?>("op", Enum.IsDefined((ItsOpcode)b) ? ((ItsOpcode)b).ToString().ToUpperInvariant() : "UNKNOWN"))
        .ToArray();

    private static readonly Dictionary<ItsError, string> ItsErrors = ItsErrorNames.All.ToDictionary(e => e, e => e.Name());
    private static readonly Dictionary<Errno, string> Errnos = Enum.GetValues<Errno>().ToDictionary(e => e, e => $"-{e}");
    private static readonly Dictionary<ItsError, KeyValuePair<string, object?>> ItsErrorReasons = ItsErrors.ToDictionary(p => p.Key, p => Tag("reason", p.Value));
    private static readonly Dictionary<Errno, KeyValuePair<string, object?>> ErrnoReasons = Errnos.ToDictionary(p => p.Key, p => Tag("reason", p.Value));
    private static readonly Dictionary<ItsError, KeyValuePair<string, object?>> ItsErrorErrors = ItsErrors.ToDictionary(p => p.Key, p => Tag("error", p.Value));
    private static readonly Dictionary<Errno, KeyValuePair<string, object?>> ErrnoErrors = Errnos.ToDictionary(p => p.Key, p => Tag("error", p.Value));

    /// <summary>Where an MSI entered the virtual ITS.</summary>
    internal enum MsiPath
    {
        /// <summary>KVM_SIGNAL_MSI (POST .../msi).</summary>
        Signal,

        /// <summary>The guest's INT command.</summary>
        Int,

        /// <summary>A VFIO vector's irqfd (software injection).</summary>
        Irqfd,
    }

    /// <summary>Why a VLPI reached its vCPU interface: it became pending on a resident vPE, its vPE was loaded, or it was enabled while resident.</summary>
    internal enum VlpiDelivery
    {
        Resident,
        Load,
        Enable,
    }

    /// <summary>One MSI's outcome: delivered (an LPI became pending, or a forwarded LPI's VLPI) or dropped, with the architected error or errno.</summary>
    internal static void Msi(MsiPath path, MsiResult result) => Msi(path, result.Delivered, result.ItsError, result.Errno);

    internal static void Msi(MsiPath path, bool delivered, ItsError? error, Errno? errno)
    {
        if (!Msis.Enabled)
        {
            return;
        }

        if (delivered)
        {
            Msis.Add(1, Paths[(int)path], Delivered, NoReason);
        }
        else
        {
            Msis.Add(1, Paths[(int)path], Dropped, error is { } e ? ItsErrorReasons[e] : errno is { } n ? ErrnoReasons[n] : NoReason);
        }
    }

    internal static void VlpiDelivered(VlpiDelivery when) => VlpisDelivered.Add(1, Whens[(int)when]);

    internal static void DoorbellFired(bool v41) => Doorbells.Add(1, v41 ? V41 : V40);

    /// <summary>One command of a guest's queue; <paramref name="command"/> is null when its slot could not be read.</summary>
    internal static void GuestItsCommand(ItsCommand? command, CommandStatus status, ItsError? error, Errno? errno)
    {
        if (!GuestItsCommands.Enabled)
        {
            return;
        }

        GuestItsCommands.Add(1, command is null ? UnreadableOp : Ops[(byte)command.Opcode], Statuses[(int)status],
            error is { } e ? ItsErrorErrors[e] : errno is { } n ? ErrnoErrors[n] : NoError);
    }

    internal static void HostItsCommand(ItsCommand command) => HostItsCommands.Add(1, Ops[(byte)command.Opcode]);

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private static KeyValuePair<string, object?>[] Tags<T>(string key, T[] values, Func<T, string> name)
        where T : struct, Enum => values.Select(v => Tag(key, name(v))).ToArray();
}
