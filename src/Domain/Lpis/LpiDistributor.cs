using GicService.Domain.Bitfields;
using GicService.Domain.Events;
using GicService.Domain.Its;
using GicService.Domain.Memory;
using GicService.Domain.Mmio;
using GicService.Domain.Snapshots;

namespace GicService.Domain.Lpis;

/// <summary>
/// The VM-wide LPI state of KVM's vgic (struct vgic_dist): the one GICR_PROPBASER every redistributor
/// shares, the LPI objects by INTID, and the reads of the property and pending tables KVM performs
/// (spec/its.md §4).
/// </summary>
public sealed class LpiDistributor
{
    /// <summary>PROPBASER as KVM sets it when the ITS is created: RaWb, InnerShareable, IDbits 0.</summary>
    public const ulong PropBaserReset = 0x580;

    private const int InterruptIdBitsIts = 16;
    private static readonly ulong PropBaserRes0 = Bits.Range(63, 59) | Bits.Range(55, 52) | Bits.Range(6, 5);

    private readonly SortedDictionary<uint, Lpi> _lpis = new();
    private readonly GuestMemory _memory;
    private readonly EventBuffer _events;
    private readonly string _vmId;
    private readonly Func<uint, ulong?> _pendingTableOf;

    internal LpiDistributor(string vmId, GuestMemory memory, EventBuffer events, Func<uint, ulong?> pendingTableOf)
    {
        _vmId = vmId;
        _memory = memory;
        _events = events;
        _pendingTableOf = pendingTableOf;
    }

    public ulong PropBaser { get; private set; } = PropBaserReset;

    /// <summary>The vgic-v4 bridge, told about forwarded LPIs; null on a VM without direct MSIs.</summary>
    internal IVlpiHooks? Hooks { get; set; }

    public IReadOnlyCollection<Lpi> Lpis => _lpis.Values;

    public int Count => _lpis.Count;

    /// <summary>The property table's address, PROPBASER.PA[51:12].</summary>
    public ulong PropertyTableAddress => PropBaser & Bits.Range(51, 12);

    /// <summary>One past the highest INTID MAPTI accepts: 2^min(IDbits + 1, 16) (max_lpis_propbaser).</summary>
    public uint LpiLimit => 1u << Math.Min((int)Bits.Extract(PropBaser, 0, 5) + 1, InterruptIdBitsIts);

    public Lpi? Find(uint intId) => _lpis.GetValueOrDefault(intId);

    internal void WritePropBaser(ulong value)
    {
        value = MemoryAttributes.Sanitise(value, shareabilityLsb: 10, innerCacheLsb: 7, outerCacheLsb: 56);
        PropBaser = value & ~PropBaserRes0;
    }

    /// <summary>Puts back PROPBASER and the LPIs a snapshot held (the distributor must be new).</summary>
    internal void Restore(ulong propBaser, IEnumerable<LpiSnapshot> lpis)
    {
        PropBaser = propBaser;
        foreach (var lpi in lpis)
        {
            _lpis.Add(lpi.IntId, Lpi.FromSnapshot(lpi));
        }
    }

    /// <summary>
    /// Gets the LPI for <paramref name="intId"/> or creates it (vgic_add_lpi): an existing LPI is reused
    /// as it is, its target unchanged; a new one reads its property byte and consumes its bit in the
    /// target's pending table. A failed guest read creates nothing.
    /// </summary>
    internal Errno? AddReference(IntId intId, uint? targetVcpu, out Lpi? lpi)
    {
        if (_lpis.TryGetValue(intId.Value, out lpi))
        {
            lpi.References++;
            return null;
        }

        var created = new Lpi(intId, targetVcpu);
        if (!TryReadProperty(created, out var property))
        {
            lpi = null;
            return Errno.EFAULT;
        }

        created.Priority = property.Priority;
        created.Enabled = property.Enabled;

        if (targetVcpu is { } target && _pendingTableOf(target) is { } pendBase)
        {
            var byteAddress = pendBase + intId.Value / 8;
            if (!_memory.TryReadByte(byteAddress, out var pendingByte))
            {
                lpi = null;
                return Errno.EFAULT;
            }

            var bit = (byte)(1 << (int)(intId.Value % 8));
            if ((pendingByte & bit) != 0)
            {
                _memory.TryWriteByte(byteAddress, (byte)(pendingByte & ~bit));
                created.Pending = true;
                _events.Add(new LpiPending(_vmId, target, intId.Value, null, null, InterruptSource.Lpi, false, "pending table"));
            }
        }

        created.References = 1;
        _lpis.Add(intId.Value, created);
        Queue(created);
        lpi = created;
        return null;
    }

    /// <summary>Drops one ITE's reference; the last one frees the LPI and, with it, its pending state.</summary>
    internal void Release(Lpi lpi, string reason)
    {
        lpi.References--;
        if (lpi.References > 0)
        {
            return;
        }

        _lpis.Remove(lpi.IntId.Value);
        if (lpi.Pending)
        {
            _events.Add(new PendingDropped(_vmId, lpi.TargetVcpu, lpi.IntId.Value, InterruptSource.Lpi, reason));
        }
    }

    /// <summary>
    /// Re-reads one LPI's property byte (update_lpi_config). With a filter only an LPI targeting that vCPU
    /// takes the new software priority/enable; a forwarded LPI's vprop byte is rewritten regardless.
    /// </summary>
    internal Errno? UpdateConfig(Lpi lpi, uint? filterVcpu = null, bool invalidate = true)
    {
        if (!TryReadProperty(lpi, out var property))
        {
            return Errno.EFAULT;
        }

        if (filterVcpu is null || filterVcpu == lpi.TargetVcpu)
        {
            lpi.Priority = property.Priority;
            lpi.Enabled = property.Enabled;
            if (!lpi.IsForwarded)
            {
                Queue(lpi);
                return null;
            }
        }

        if (lpi.IsForwarded)
        {
            Hooks?.PropertyUpdated(lpi, property.Raw, invalidate);
        }

        return null;
    }

    /// <summary>
    /// INVALL / GICR_INVALLR (vgic_its_invall): every LPI of the VM is re-read with <paramref name="vcpu"/> as
    /// filter, then the vCPU's vPE is invalidated as a whole.
    /// </summary>
    internal void InvalidateAll(uint vcpu)
    {
        foreach (var lpi in _lpis.Values.ToList())
        {
            UpdateConfig(lpi, vcpu, invalidate: false);
        }

        Hooks?.InvalidateAll(vcpu);
    }

    /// <summary>Sets the pending latch and queues the LPI to its target (the tail of vgic_its_trigger_msi).</summary>
    internal void MakePending(Lpi lpi, uint? deviceId, uint? eventId, string reason)
    {
        if (lpi.IsForwarded && Hooks is not null)
        {
            Hooks.Inject(lpi, deviceId, eventId, reason);
            return;
        }

        var coalesced = lpi.Pending;
        lpi.Pending = true;
        Queue(lpi);
        _events.Add(new LpiPending(_vmId, lpi.TargetVcpu, lpi.IntId.Value, deviceId, eventId, InterruptSource.Lpi, coalesced, reason));
    }

    /// <summary>CLEAR: the pending latch drops.</summary>
    internal void ClearPending(Lpi lpi, string reason)
    {
        if (lpi.IsForwarded)
        {
            Hooks?.Clear(lpi);
        }

        if (!lpi.Pending)
        {
            return;
        }

        lpi.Pending = false;
        lpi.Queued = false;
        _events.Add(new PendingDropped(_vmId, lpi.TargetVcpu, lpi.IntId.Value, InterruptSource.Lpi, reason));
    }

    /// <summary>update_affinity: the LPI follows its new target; a forwarded one is moved by VMOVI.</summary>
    internal void Retarget(Lpi lpi, uint? vcpu)
    {
        lpi.TargetVcpu = vcpu;
        if (lpi.IsForwarded)
        {
            Hooks?.Retargeted(lpi);
        }
    }

    /// <summary>
    /// Clearing EnableLPIs takes every LPI off the vCPU's list; the latches stay (vgic_flush_pending_lpis).
    /// </summary>
    internal void Flush(uint vcpu)
    {
        foreach (var lpi in _lpis.Values)
        {
            if (lpi.TargetVcpu == vcpu)
            {
                lpi.Queued = false;
            }
        }
    }

    /// <summary>
    /// EnableLPIs 0 -> 1 with PTZ = 0: every LPI targeting the vCPU takes its pending state from the
    /// pending table, which is not modified (its_sync_lpi_pending_table).
    /// </summary>
    internal Errno? SyncPendingTable(uint vcpu, ulong pendBase)
    {
        foreach (var lpi in _lpis.Values.Where(l => l.TargetVcpu == vcpu).ToList())
        {
            if (!_memory.TryReadByte(pendBase + lpi.IntId.Value / 8, out var pendingByte))
            {
                return Errno.EFAULT;
            }

            var pending = (pendingByte & (1 << (int)(lpi.IntId.Value % 8))) != 0;
            if (lpi.IsForwarded)
            {
                // A hw LPI's pending state is its VLPI's: a set bit makes the VLPI pending (host INT), never the latch,
                // so it is never pending twice; a clear bit leaves the VLPI alone (spec/vgic-v4.md §7.9, §7.11).
                if (pending)
                {
                    MakePending(lpi, null, null, "pending table");
                }

                continue;
            }

            if (pending && !lpi.Pending)
            {
                _events.Add(new LpiPending(_vmId, vcpu, lpi.IntId.Value, null, null, InterruptSource.Lpi, false, "pending table"));
            }
            else if (!pending && lpi.Pending)
            {
                _events.Add(new PendingDropped(_vmId, vcpu, lpi.IntId.Value, InterruptSource.Lpi, "pending table bit clear at EnableLPIs"));
            }

            lpi.Pending = pending;
            if (!pending)
            {
                lpi.Queued = false; // vgic_prune_ap_list drops an LPI that is no longer pending from the vCPU's list
            }

            Queue(lpi);
        }

        return null;
    }

    /// <summary>
    /// Plans SAVE_PENDING_TABLES: each targeted LPI's pending state written into its target's pending
    /// table (read-modify-write of one bit); LPIs without a target are skipped.
    /// </summary>
    internal Errno? PlanSavePendingTables(Dictionary<ulong, byte> writes)
    {
        foreach (var lpi in _lpis.Values)
        {
            if (lpi.TargetVcpu is not { } target || _pendingTableOf(target) is not { } pendBase)
            {
                continue;
            }

            var address = pendBase + lpi.IntId.Value / 8;
            if (!writes.TryGetValue(address, out var value) && !_memory.TryReadByte(address, out value))
            {
                return Errno.EFAULT;
            }

            var bit = (byte)(1 << (int)(lpi.IntId.Value % 8));
            var pending = lpi.IsForwarded ? Hooks?.VlpiPending(lpi) ?? false : lpi.Pending;
            writes[address] = pending ? (byte)(value | bit) : (byte)(value & ~bit);
        }

        return null;
    }

    /// <summary>The LPI the guest on <paramref name="vcpu"/> takes next: lowest priority value first, then lowest INTID.</summary>
    public Lpi? HighestPriorityPending(uint vcpu)
    {
        Lpi? best = null;
        foreach (var lpi in _lpis.Values)
        {
            if (lpi.IsPresentableTo(vcpu) && (best is null || lpi.Priority < best.Priority))
            {
                best = lpi;
            }
        }

        return best;
    }

    /// <summary>IAR then EOI of an edge-triggered LPI: the latch drops and it leaves the list.</summary>
    internal void Acknowledge(Lpi lpi)
    {
        lpi.Pending = false;
        lpi.Queued = false;
    }

    /// <summary>vgic_queue_irq_unlock: a pending, enabled LPI with a target goes on that target's list.</summary>
    private static void Queue(Lpi lpi)
    {
        if (lpi.Pending && lpi.Enabled && lpi.TargetVcpu is not null)
        {
            lpi.Queued = true;
        }
    }

    private bool TryReadProperty(Lpi lpi, out LpiProperty property)
    {
        var ok = _memory.TryReadByte(PropertyTableAddress + lpi.IntId.Value - IntId.FirstLpi, out var raw);
        property = new LpiProperty(raw);
        return ok;
    }
}
