namespace GicService.Domain.HostIts;

/// <summary>
/// A virtual PE: the host GICv4's view of one vCPU (struct its_vpe, spec/vgic-v4.md §1.1). Its virtual
/// pending table (VPT) holds the vINTIDs pending while it is not resident.
/// </summary>
public sealed class Vpe
{
    private readonly SortedSet<uint> _pending = new();

    internal Vpe(ushort id, string vmId, uint vcpu, uint doorbellLpi, ulong vptAddress, ushort proxyEvent)
    {
        Id = id;
        VmId = vmId;
        Vcpu = vcpu;
        DoorbellLpi = doorbellLpi;
        VptAddress = vptAddress;
        ProxyEvent = proxyEvent;
    }

    public ushort Id { get; }

    public string VmId { get; }

    public uint Vcpu { get; }

    /// <summary>The physical LPI of the vPE's doorbell (v4.0: per-VLPI doorbell; v4.1: the default doorbell).</summary>
    public uint DoorbellLpi { get; }

    /// <summary>The v4.0 proxy device event that carries the doorbell when the host has no DirectLPI.</summary>
    public ushort ProxyEvent { get; }

    public ulong VptAddress { get; }

    /// <summary>The pCPU whose redistributor the ITS routes this vPE to (col_idx); null before the first VMOVP.</summary>
    public uint? ColIdx { get; internal set; }

    /// <summary>The pCPU it was mapped to by VMAPP (the first online CPU).</summary>
    public uint MappedRd { get; internal set; }

    public bool Mapped { get; internal set; }

    /// <summary>True once a vcpu_load has run the vPE (the API shows no pCPU before that).</summary>
    public bool EverLoaded { get; internal set; }

    /// <summary>The doorbell's proxy event has been MAPTI'd (v4.0 without DirectLPI, at the first VMOVP).</summary>
    internal bool ProxyMapped { get; set; }

    public bool Resident { get; internal set; }

    public bool PendingLast { get; internal set; }

    /// <summary>v4.0: the doorbell irq is enabled (unmasked). v4.1: the vPE was descheduled with DB=1 and no doorbell fired since.</summary>
    public bool DoorbellArmed { get; internal set; }

    /// <summary>KVM's vlpi_count: incremented by set_forwarding, decremented by unset only (spec/vgic-v4.md §7.5).</summary>
    public int VlpiCount { get; internal set; }

    public IReadOnlyCollection<uint> PendingVlpis => _pending;

    internal bool SetPending(uint vintid) => _pending.Add(vintid);

    internal bool ClearPending(uint vintid) => _pending.Remove(vintid);
}
