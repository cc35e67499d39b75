using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Metrics;
using GicService.Domain.Snapshots;

namespace GicService.Domain.HostIts;

/// <summary>
/// The host's GICv4 ITS and its per-pCPU redistributors, as the Linux ITS driver drives them for KVM:
/// vPEs, VLPI mappings, host device bindings, the VM-wide vprop tables, and the physical LPIs of VFIO
/// vectors. Every command is published as a <see cref="HostItsCommand"/> with its encoding, followed by
/// VSYNC (V-commands) or SYNC (physical commands) as the driver does (spec/vgic-v4.md §1.1, §7.23).
/// </summary>
public sealed class HostGicV4
{
    /// <summary>The GICv4.0 proxy device that carries doorbells without DirectLPI (spec/vgic-v4.md §8).</summary>
    public const uint ProxyDeviceId = 0xFFFF;

    /// <summary>Dbell_pINTID 1023: no doorbell.</summary>
    public const uint NoDoorbell = 1023;

    /// <summary>Host LPIs of VFIO vectors and doorbells are allocated from here.</summary>
    public const uint FirstHostLpi = 8192;

    public const uint FirstHostIrq = 64;
    public const ulong VptBase = 0x0000_0080_0000_0000;
    public const ulong VptStride = 0x1_0000;

    /// <summary>The host memory of the VMs' vprop tables: GICR_VPROPBASER on v4.0, VMAPP's VCONF on v4.1.</summary>
    public const ulong VpropBase = VptBase - 0x1_0000;
    public const byte DefaultHostLpiProperty = 0xA1; // priority 0xa0, enabled

    private readonly Dictionary<ushort, Vpe> _vpes = new();
    private readonly Dictionary<(uint Device, uint Event), VlpiMapping> _vlpis = new();
    private readonly Dictionary<uint, string> _bindings = new();
    // Per VM, vINTID -> vprop byte. Looked up on every VLPI delivery, so a hash table; snapshots sort it.
    private readonly Dictionary<string, Dictionary<uint, byte>> _vprop = new();
    private readonly SortedDictionary<uint, HostInterrupt> _irqs = new();
    private readonly PhysicalRedistributor[] _redistributors;
    private readonly EventBuffer _events;
    private ushort _nextVpeId;
    private uint _nextHostLpi = FirstHostLpi;
    private uint _nextHostIrq = FirstHostIrq;

    internal HostGicV4(GicVersion version, bool directLpi, int pcpus, int devBits, int idBits, EventBuffer events)
    {
        Version = version;
        DirectLpi = directLpi;
        DevBits = devBits;
        IdBits = idBits;
        _events = events;
        _redistributors = Enumerable.Range(0, pcpus).Select(p => new PhysicalRedistributor((uint)p)).ToArray();
    }

    public GicVersion Version { get; }

    public bool IsV41 => Version == GicVersion.V4_1;

    public bool DirectLpi { get; }

    public int DevBits { get; }

    public int IdBits { get; }

    public IReadOnlyList<PhysicalRedistributor> Redistributors => _redistributors;

    public IEnumerable<Vpe> Vpes => _vpes.Values.OrderBy(v => v.Id);

    public IEnumerable<VlpiMapping> Vlpis => _vlpis.Values.OrderBy(v => v.HostDeviceId).ThenBy(v => v.EventId);

    public IReadOnlyDictionary<uint, HostInterrupt> HostIrqs => _irqs;

    public Vpe? FindVpe(ushort id) => _vpes.GetValueOrDefault(id);

    public Vpe? FindVpe(string vmId, uint vcpu) => _vpes.Values.FirstOrDefault(v => v.VmId == vmId && v.Vcpu == vcpu);

    public VlpiMapping? FindVlpi(uint hostDeviceId, uint eventId) => _vlpis.GetValueOrDefault((hostDeviceId, eventId));

    public string? BoundVm(uint hostDeviceId) => _bindings.GetValueOrDefault(hostDeviceId);

    /// <summary>The vprop byte of a VM's vINTID: priority | group1 | enable (host-owned; initialised to 0xA0, group 1, disabled).</summary>
    public byte VpropByte(string vmId, uint vintid) =>
        _vprop.TryGetValue(vmId, out var table) && table.TryGetValue(vintid, out var b) ? b : (byte)0xA2;

    public bool IsVlpiEnabled(string vmId, uint vintid) => (VpropByte(vmId, vintid) & 1) != 0;

    public byte VlpiPriority(string vmId, uint vintid) => (byte)(VpropByte(vmId, vintid) & 0xFC);

    internal void WriteVprop(string vmId, uint vintid, byte property)
    {
        if (!_vprop.TryGetValue(vmId, out var table))
        {
            _vprop[vmId] = table = new Dictionary<uint, byte>();
        }

        table[vintid] = (byte)(property | 0x2);
    }

    // ---------------------------------------------------------------- allocation

    internal Vpe CreateVpe(string vmId, uint vcpu)
    {
        var id = _nextVpeId++;
        var vpe = new Vpe(id, vmId, vcpu, _nextHostLpi++, VptBase + id * VptStride, id);
        _vpes.Add(id, vpe);
        return vpe;
    }

    internal void RemoveVpe(Vpe vpe)
    {
        _vpes.Remove(vpe.Id);
        foreach (var rd in _redistributors.Where(r => r.ResidentVpe == vpe.Id))
        {
            rd.ResidentVpe = null;
        }
    }

    internal void RemoveVm(string vmId) => _vprop.Remove(vmId);

    internal HostInterrupt CreateHostInterrupt(uint hostDeviceId, uint eventId)
    {
        var irq = new HostInterrupt(_nextHostIrq++, hostDeviceId, eventId, _nextHostLpi++, (ushort)(eventId % (uint)_redistributors.Length));
        _irqs.Add(irq.Irq, irq);
        return irq;
    }

    internal void RemoveHostInterrupt(HostInterrupt irq) => _irqs.Remove(irq.Irq);

    internal void AddVlpi(VlpiMapping map) => _vlpis.Add((map.HostDeviceId, map.EventId), map);

    internal void RemoveVlpi(VlpiMapping map) => _vlpis.Remove((map.HostDeviceId, map.EventId));

    internal void Bind(uint hostDeviceId, string vmId) => _bindings[hostDeviceId] = vmId;

    internal void UnbindIfUnused(uint hostDeviceId)
    {
        if (!_vlpis.Keys.Any(k => k.Device == hostDeviceId))
        {
            _bindings.Remove(hostDeviceId);
        }
    }

    // ---------------------------------------------------------------- commands

    /// <summary>A V-command, then VSYNC for its vPE.</summary>
    internal void SendVirtual(string? vmId, ItsCommand command, ushort vpeId)
    {
        Publish(vmId, command);
        Publish(vmId, new Vsync(vpeId));
    }

    /// <summary>A physical command, then SYNC to the redistributor of <paramref name="pcpu"/>.</summary>
    internal void SendPhysical(string? vmId, ItsCommand command, uint pcpu)
    {
        Publish(vmId, command);
        Publish(vmId, new Sync(pcpu));
    }

    internal void RedistributorOp(string op, uint pcpu, ushort? vpeId, uint? intId, ulong? value, string? vmId) =>
        _events.Add(new HostRedistributorOp(op, pcpu, vpeId, intId, value, vmId));

    private void Publish(string? vmId, ItsCommand command)
    {
        _events.Add(new HostItsCommand(vmId, command, ItsCommandCodec.ToHex(ItsCommandCodec.Encode(command))));
        DomainMetrics.HostItsCommand(command);
    }

    internal static Mapti HostMapti(HostInterrupt irq) =>
        new(new DeviceId(irq.HostDeviceId), new EventId(irq.EventId), new IntId(irq.HostLpi), new CollectionId(irq.Collection));

    // ---------------------------------------------------------------- snapshots

    internal HostItsSnapshot TakeSnapshot() => new(
        _nextVpeId,
        _nextHostLpi,
        _nextHostIrq,
        Vpes.Select(v => new VpeSnapshot(v.Id, v.VmId, v.Vcpu, v.DoorbellLpi, v.VptAddress, v.ProxyEvent, v.ColIdx, v.MappedRd, v.Mapped,
            v.EverLoaded, v.ProxyMapped, v.Resident, v.PendingLast, v.DoorbellArmed, v.VlpiCount, v.PendingVlpis.ToList())).ToList(),
        Vlpis.Select(m => new VlpiMappingSnapshot(m.HostDeviceId, m.EventId, m.HostIrq, m.VmId, m.VpeId, m.VIntId, m.DbEnabled)).ToList(),
        _bindings.OrderBy(b => b.Key).Select(b => new HostDeviceBindingSnapshot(b.Key, b.Value)).ToList(),
        _vprop.OrderBy(t => t.Key, StringComparer.Ordinal)
            .SelectMany(t => t.Value.OrderBy(b => b.Key).Select(b => new VpropSnapshot(t.Key, b.Key, b.Value))).ToList(),
        _irqs.Values.Select(i => new HostInterruptSnapshot(i.Irq, i.HostDeviceId, i.EventId, i.HostLpi, i.Collection, i.Forwarded)).ToList(),
        _redistributors.Where(r => r.ResidentVpe is not null || r.VpendBaser != 0)
            .Select(r => new PhysicalRedistributorSnapshot(r.Pcpu, r.ResidentVpe, r.VpendBaser)).ToList());

    /// <summary>Puts back what a snapshot held; the host ITS must be new.</summary>
    internal void Restore(HostItsSnapshot snapshot)
    {
        _nextVpeId = snapshot.NextVpeId;
        _nextHostLpi = snapshot.NextHostLpi;
        _nextHostIrq = snapshot.NextHostIrq;
        foreach (var v in snapshot.Vpes)
        {
            var vpe = new Vpe(v.Id, v.VmId, v.Vcpu, v.DoorbellLpi, v.VptAddress, v.ProxyEvent)
            {
                ColIdx = v.ColIdx,
                MappedRd = v.MappedRd,
                Mapped = v.Mapped,
                EverLoaded = v.EverLoaded,
                ProxyMapped = v.ProxyMapped,
                Resident = v.Resident,
                PendingLast = v.PendingLast,
                DoorbellArmed = v.DoorbellArmed,
                VlpiCount = v.VlpiCount,
            };
            foreach (var vintid in v.PendingVlpis)
            {
                vpe.SetPending(vintid);
            }

            _vpes.Add(vpe.Id, vpe);
        }

        foreach (var m in snapshot.Vlpis)
        {
            AddVlpi(new VlpiMapping(m.HostDeviceId, m.EventId, m.HostIrq, m.VmId, m.VpeId, m.VIntId) { DbEnabled = m.DbEnabled });
        }

        foreach (var binding in snapshot.Bindings)
        {
            _bindings.Add(binding.HostDeviceId, binding.VmId);
        }

        foreach (var entry in snapshot.Vprop)
        {
            if (!_vprop.TryGetValue(entry.VmId, out var table))
            {
                _vprop[entry.VmId] = table = new Dictionary<uint, byte>();
            }

            table.Add(entry.VIntId, entry.Property);
        }

        foreach (var i in snapshot.HostIrqs)
        {
            _irqs.Add(i.Irq, new HostInterrupt(i.Irq, i.HostDeviceId, i.EventId, i.HostLpi, i.Collection) { Forwarded = i.Forwarded });
        }

        foreach (var r in snapshot.Redistributors)
        {
            if (r.Pcpu >= _redistributors.Length)
            {
                throw new ArgumentException($"The snapshot names physical redistributor {r.Pcpu}; this host has {_redistributors.Length}.", nameof(snapshot));
            }

            _redistributors[r.Pcpu].ResidentVpe = r.ResidentVpe;
            _redistributors[r.Pcpu].VpendBaser = r.VpendBaser;
        }
    }
}
