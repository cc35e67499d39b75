using GicService.Domain.Its;
using GicService.Domain.Snapshots;

namespace GicService.Domain.Lpis;

/// <summary>
/// One LPI of a VM, as KVM's struct vgic_irq: shared by every ITE (of any ITS) that maps its INTID and
/// alive while at least one does. Priority and enable are cached from the property table and only
/// change when KVM re-reads it (creation, INV, INVALL, INVLPIR, INVALLR).
/// </summary>
public sealed class Lpi
{
    internal Lpi(IntId intId, uint? targetVcpu)
    {
        IntId = intId;
        TargetVcpu = targetVcpu;
    }

    public IntId IntId { get; }

    /// <summary>The vcpu_id the LPI is presented to; null when it has none (an unmapped collection).</summary>
    public uint? TargetVcpu { get; internal set; }

    /// <summary>Priority as KVM caches it: the property byte &amp; 0xFC (lower value first).</summary>
    public byte Priority { get; internal set; }

    public bool Enabled { get; internal set; }

    /// <summary>The pending latch.</summary>
    public bool Pending { get; internal set; }

    /// <summary>
    /// On its target's list of interrupts to present (KVM's ap_list). Set when the LPI is queued while
    /// pending and enabled; cleared when the target clears EnableLPIs (vgic_flush_pending_lpis) or the
    /// guest takes it. A latched LPI that is not queued waits for INV/INVALL or a new trigger.
    /// </summary>
    public bool Queued { get; internal set; }

    /// <summary>The host IRQ forwarding this LPI as a VLPI (KVM's irq->hw and host_irq); null when it is a software LPI.</summary>
    public uint? HostIrq { get; internal set; }

    public bool IsForwarded => HostIrq is not null;

    /// <summary>Number of ITEs mapping this INTID.</summary>
    public int References { get; internal set; }

    /// <summary>True when the guest on <paramref name="vcpu"/> can take this LPI now.</summary>
    public bool IsPresentableTo(uint vcpu) => Pending && Enabled && Queued && TargetVcpu == vcpu;

    internal LpiSnapshot TakeSnapshot() => new(IntId.Value, TargetVcpu, Priority, Enabled, Pending, Queued, HostIrq, References);

    internal static Lpi FromSnapshot(LpiSnapshot snapshot) => new(new IntId(snapshot.IntId), snapshot.TargetVcpu)
    {
        Priority = snapshot.Priority,
        Enabled = snapshot.Enabled,
        Pending = snapshot.Pending,
        Queued = snapshot.Queued,
        HostIrq = snapshot.HostIrq,
        References = snapshot.References,
    };
}
