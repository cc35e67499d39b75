using GicService.Domain.Bitfields;
using GicService.Domain.Events;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Memory;
using GicService.Domain.Metrics;
using GicService.Domain.Mmio;

namespace GicService.Domain.Its;

/// <summary>
/// The GICv3 ITS a guest sees, as KVM's vgic-its.c emulates it: registers with KVM's values and write
/// rules (spec/its.md §1), the command queue (§2), every physical command with KVM's checks in KVM's
/// order (§3), and the MSI path with its translation cache (§6).
/// </summary>
public sealed partial class VirtualIts
{
    /// <summary>The ITS frame is 128 KiB; an MSI to any address inside it selects this ITS (spec/its.md §1.1, §7.21).</summary>
    public const ulong FrameSize = 0x20000;
    public const ulong TranslaterOffset = 0x10040;

    private const ulong QuiescentBit = 1UL << 31;
    private static readonly ulong CommandOffsetMask = Bits.Range(19, 5);

    private readonly SortedDictionary<uint, ItsDevice> _devices = new();
    private readonly SortedDictionary<ushort, ItsCollection> _collections = new();
    private readonly string _vmId;
    private readonly GuestMemory _memory;
    private readonly LpiDistributor _lpis;
    private readonly EventBuffer _events;
    private readonly Func<uint, VirtualRedistributor?> _redistributor;

    internal VirtualIts(
        string vmId,
        ulong baseAddress,
        GuestMemory memory,
        LpiDistributor lpis,
        EventBuffer events,
        Func<uint, VirtualRedistributor?> redistributor)
    {
        _vmId = vmId;
        BaseAddress = baseAddress;
        _memory = memory;
        _lpis = lpis;
        _events = events;
        _redistributor = redistributor;
    }

    public ulong BaseAddress { get; }

    public ulong TranslaterAddress => BaseAddress + TranslaterOffset;

    public bool Enabled { get; private set; }

    public int AbiRevision { get; private set; }

    public GitsCbaser Cbaser { get; private set; }

    public ulong Cwriter { get; private set; }

    public ulong Creadr { get; private set; }

    public GitsBaser DeviceBaser { get; private set; } = new(GitsBaser.DeviceReset);

    public GitsBaser CollectionBaser { get; private set; } = new(GitsBaser.CollectionReset);

    /// <summary>KVM's Quiescent: CREADR == CWRITER, whether or not the ITS is enabled (spec/its.md §7.2).</summary>
    public bool Quiescent => Creadr == Cwriter;

    public IReadOnlyDictionary<uint, ItsDevice> Devices => _devices;

    public IReadOnlyDictionary<ushort, ItsCollection> Collections => _collections;

    public TranslationCache Cache { get; } = new();

    public bool ContainsDoorbell(ulong address) => address >= BaseAddress && address - BaseAddress < FrameSize;

    // ---------------------------------------------------------------- registers (spec/its.md §1)

    public ulong Read(ItsRegister register) => register switch
    {
        ItsRegister.Control => (Enabled ? 1UL : 0UL) | (Quiescent ? QuiescentBit : 0),
        ItsRegister.ImplementerId => GitsIidr.Value(AbiRevision),
        ItsRegister.Type => GitsTyper.Value,
        ItsRegister.CommandQueueBase => Cbaser.Raw,
        ItsRegister.CommandWritePointer => Cwriter,
        ItsRegister.CommandReadPointer => Creadr, // Stalled (bit 0) is always 0: KVM never stalls.
        ItsRegister.TableBase0 => DeviceBaser.Raw,
        ItsRegister.TableBase1 => CollectionBaser.Raw,
        // Identification registers (spec/its.md §1.2): an Arm GICv3 ITS, ArchRev 3.
        ItsRegister.PeripheralId4 => 0x40,
        ItsRegister.PeripheralId0 => 0x92,
        ItsRegister.PeripheralId1 => 0xB4,
        ItsRegister.PeripheralId2 => 0x3B,
        ItsRegister.ComponentId0 => 0x0D,
        ItsRegister.ComponentId1 => 0xF0,
        ItsRegister.ComponentId2 => 0x05,
        ItsRegister.ComponentId3 => 0xB1,
        _ => 0, // BASER2-7, PIDR3, PIDR5-7: RAZ
    };

    /// <summary>A guest MMIO write; returns the commands a CWRITER or GITS_CTLR write processed.</summary>
    internal IReadOnlyList<ProcessedCommand> Write(ItsRegister register, int offsetInRegister, int length, ulong value)
    {
        switch (register)
        {
            case ItsRegister.Control:
                return WriteCtlr(value);
            case ItsRegister.CommandQueueBase:
                // Read-only while enabled; otherwise sanitised and both pointers reset (vgic_mmio_write_its_cbaser).
                if (!Enabled)
                {
                    Cbaser = GitsCbaser.Sanitise(MmioAccess.Merge(Cbaser.Raw, offsetInRegister, length, value));
                    Creadr = 0;
                    Cwriter = 0;
                }

                return [];
            case ItsRegister.CommandWritePointer:
                var offset = MmioAccess.Merge(Cwriter, offsetInRegister, length, value) & CommandOffsetMask;
                if (offset >= Cbaser.QueueBytes)
                {
                    return []; // the whole write is ignored
                }

                Cwriter = offset;
                return ProcessCommands();
            case ItsRegister.TableBase0:
                WriteBaser(isDevice: true, MmioAccess.Merge(DeviceBaser.Raw, offsetInRegister, length, value));
                return [];
            case ItsRegister.TableBase1:
                WriteBaser(isDevice: false, MmioAccess.Merge(CollectionBaser.Raw, offsetInRegister, length, value));
                return [];
            default:
                return []; // IIDR, TYPER, CREADR (for the guest) and BASER2-7 are WI
        }
    }

    /// <summary>Userspace write of GITS_CREADR (KVM_DEV_ARM_VGIC_GRP_ITS_REGS): -EBUSY if enabled, -EINVAL beyond the queue.</summary>
    internal Errno? WriteCreadrFromUserspace(ulong value)
    {
        if (Enabled)
        {
            return Errno.EBUSY;
        }

        var offset = value & CommandOffsetMask;
        if (offset >= Cbaser.QueueBytes)
        {
            return Errno.EINVAL;
        }

        Creadr = offset;
        return null;
    }

    /// <summary>Userspace write of GITS_IIDR selects the table ABI revision; only revision 0 exists.</summary>
    internal Errno? WriteIidrFromUserspace(ulong value)
    {
        var revision = (int)Bits.Extract(value, GitsIidr.RevisionLsb, 4);
        if (revision >= 1)
        {
            return Errno.EINVAL;
        }

        AbiRevision = revision;
        return null;
    }

    private IReadOnlyList<ProcessedCommand> WriteCtlr(ulong value)
    {
        var enable = Bits.IsSet(value, 0);

        // Enabling with an invalid device table, collection table or command queue is silently ignored.
        if (!Enabled && enable && !(DeviceBaser.Valid && CollectionBaser.Valid && Cbaser.Valid))
        {
            return [];
        }

        Enabled = enable;
        if (!Enabled)
        {
            InvalidateCache();
        }

        return ProcessCommands();
    }

    private void WriteBaser(bool isDevice, ulong value)
    {
        if (Enabled)
        {
            return;
        }

        var old = isDevice ? DeviceBaser : CollectionBaser;
        var updated = GitsBaser.Sanitise(value, isDevice ? GitsBaser.TypeDevice : GitsBaser.TypeCollection);
        if (isDevice)
        {
            DeviceBaser = updated;
        }
        else
        {
            CollectionBaser = updated;
        }

        // Mainline 2026: any change of the sanitised value drops the table's contents (spec/its.md §1.6, §7.5).
        if (updated.Raw != old.Raw)
        {
            if (isDevice)
            {
                FreeAllDevices("GITS_BASER0 changed");
            }
            else
            {
                FreeAllCollections();
            }

            InvalidateCache();
        }
    }

    // ---------------------------------------------------------------- the command queue (spec/its.md §2.1)

    /// <summary>Free 32-byte slots between CWRITER and CREADR (one slot always stays empty).</summary>
    public ulong FreeSlots
    {
        get
        {
            var size = Cbaser.QueueBytes;
            var used = (Cwriter + size - Creadr) % size;
            return (size - used) / ItsCommandCodec.CommandSize - 1;
        }
    }

    /// <summary>Writes commands into the queue at CWRITER (guest RAM) without moving CWRITER; false if RAM is missing.</summary>
    internal bool TryEnqueue(IReadOnlyList<byte[]> commands, out ulong newCwriter)
    {
        var size = Cbaser.QueueBytes;
        var offset = Cwriter;
        foreach (var raw in commands)
        {
            if (!_memory.TryWrite(Cbaser.Address + offset, raw))
            {
                newCwriter = Cwriter;
                return false;
            }

            offset = (offset + ItsCommandCodec.CommandSize) % size;
        }

        newCwriter = offset;
        return true;
    }

    private List<ProcessedCommand> ProcessCommands()
    {
        var processed = new List<ProcessedCommand>();
        if (!Enabled)
        {
            return processed;
        }

        Span<byte> buffer = stackalloc byte[ItsCommandCodec.CommandSize];
        while (Cwriter != Creadr)
        {
            var offset = Creadr;
            ProcessedCommand outcome;
            if (!_memory.TryRead(Cbaser.Address + Creadr, buffer))
            {
                // A command that cannot be read is skipped (GICv3 spec 6.3.2, as KVM does).
                outcome = new ProcessedCommand(offset, new string('0', 64), "UNREADABLE", CommandStatus.Error, null, Errno.EFAULT,
                    "the command queue slot is outside guest RAM");
                DomainMetrics.GuestItsCommand(null, outcome.Status, outcome.ItsError, outcome.Errno);
            }
            else
            {
                var command = ItsCommandCodec.Decode(buffer);
                var result = Handle(command);
                outcome = new ProcessedCommand(offset, ItsCommandCodec.ToHex(buffer), command.Mnemonic, result.Status, result.ItsError,
                    result.Errno, result.Reason);
                DomainMetrics.GuestItsCommand(command, result.Status, result.ItsError, result.Errno);
            }

            processed.Add(outcome);
            _events.Add(outcome.Status == CommandStatus.Error
                ? new ItsCommandError(_vmId, outcome.Op, outcome.Raw, offset, outcome.ItsError, outcome.Errno,
                    outcome.Reason ?? outcome.ItsError?.Name() ?? "error")
                : new ItsCommandProcessed(_vmId, outcome.Op, outcome.Raw, offset));

            Creadr += ItsCommandCodec.CommandSize;
            if (Creadr == Cbaser.QueueBytes)
            {
                Creadr = 0;
            }
        }

        return processed;
    }

    // ---------------------------------------------------------------- tables

    /// <summary>
    /// KVM's vgic_its_check_id (spec/its.md §1.6): is <paramref name="id"/> within the table, and is its
    /// entry's address in guest RAM? For an indirect table the L1 entry is read from guest memory.
    /// </summary>
    public bool CheckId(GitsBaser baser, uint id, out ulong entryAddress)
    {
        entryAddress = 0;
        if (id > 0xFFFF)
        {
            return false;
        }

        if (!baser.Indirect)
        {
            if (id >= baser.TableBytes / GitsBaser.EntryBytes)
            {
                return false;
            }

            entryAddress = baser.Address + id * GitsBaser.EntryBytes;
            return _memory.Contains(entryAddress);
        }

        const ulong entriesPerPage = GitsBaser.PageSize / GitsBaser.EntryBytes;
        var l1Index = id / entriesPerPage;
        if (l1Index >= baser.TableBytes / 8)
        {
            return false;
        }

        if (!_memory.TryReadUInt64(baser.Address + l1Index * 8, out var l1Entry) || !Bits.IsSet(l1Entry, 63))
        {
            return false;
        }

        entryAddress = (l1Entry & Bits.Range(51, 16)) + (id % entriesPerPage) * GitsBaser.EntryBytes;
        return _memory.Contains(entryAddress);
    }

    /// <summary>KVM's vgic_its_check_event_id: EventID within the device's bits and its ITE address in guest RAM.</summary>
    private bool CheckEventId(ItsDevice device, uint eventId) =>
        eventId < (1UL << device.EventIdBits) && _memory.Contains(device.IttAddress + (ulong)eventId * GitsTyper.IteSize);

    public Ite? FindIte(uint deviceId, uint eventId) =>
        _devices.TryGetValue(deviceId, out var device) && device.Ites.TryGetValue(eventId, out var ite) ? ite : null;

    internal void InvalidateCache() => Cache.Clear();

    private IEnumerable<Ite> AllItes => _devices.Values.SelectMany(d => d.Ites.Values);

    private void FreeIte(ItsDevice device, Ite ite, string reason)
    {
        device.Remove(ite.EventId.Value);
        if (ite.Lpi.IsForwarded)
        {
            // its_free_ite: the VLPI is unmapped on the host and hw cleared, whoever else maps the INTID.
            _lpis.Hooks?.Unmapped(ite.Lpi, device.Id.Value, ite.EventId.Value, reason);
        }

        _lpis.Release(ite.Lpi, reason);
    }

    private void FreeDevice(ItsDevice device, string reason)
    {
        foreach (var ite in device.Ites.Values.ToList())
        {
            FreeIte(device, ite, reason);
        }

        InvalidateCache();
        _devices.Remove(device.Id.Value);
    }

    private void FreeAllDevices(string reason)
    {
        foreach (var device in _devices.Values.ToList())
        {
            FreeDevice(device, reason);
        }
    }

    /// <summary>vgic_its_free_collection: the ITEs that pointed at it are orphaned (collection = NULL), their LPIs untouched.</summary>
    private void FreeCollection(ushort collectionId)
    {
        if (!_collections.Remove(collectionId, out var collection))
        {
            return;
        }

        foreach (var ite in AllItes)
        {
            if (ite.Collection == collection)
            {
                ite.Collection = null;
            }
        }
    }

    private void FreeAllCollections()
    {
        foreach (var id in _collections.Keys.ToList())
        {
            FreeCollection(id);
        }
    }

    /// <summary>KVM_DEV_ARM_ITS_CTRL_RESET (spec/its.md §5.4).</summary>
    internal void Reset()
    {
        DeviceBaser = new GitsBaser(DeviceBaser.Raw & ~(1UL << 63));
        CollectionBaser = new GitsBaser(CollectionBaser.Raw & ~(1UL << 63));
        Cbaser = default;
        Creadr = 0;
        Cwriter = 0;
        Enabled = false;
        FreeAllDevices("ITS reset");
        FreeAllCollections();
        InvalidateCache();
    }

    // ---------------------------------------------------------------- translation (spec/its.md §6)

    /// <summary>What an MSI for (DeviceID, EventID) would become now, without injecting it.</summary>
    public Translation? Translate(uint deviceId, uint eventId)
    {
        var ite = FindIte(deviceId, eventId);
        if (ite is null)
        {
            return null;
        }

        var vcpu = ite.Collection is { Target: { } target } && _redistributor(target) is not null ? target : (uint?)null;
        return new Translation(ite.Lpi.IntId, ite.Collection?.Id, vcpu, ite.Lpi.TargetVcpu);
    }

    /// <summary>
    /// The injection of one MSI through this ITS (kvm_set_msi with a doorbell in this ITS's frame): the
    /// cache fast path, then vgic_its_resolve_lpi and vgic_its_trigger_msi.
    /// </summary>
    internal MsiResult SignalMsi(uint deviceId, uint eventId, string reason)
    {
        if (Cache.TryGet(deviceId, eventId, out var cached))
        {
            _lpis.MakePending(cached, deviceId, eventId, reason);
            return MsiResult.Pending(cached);
        }

        return Trigger(deviceId, eventId, reason);
    }

    /// <summary>
    /// vgic_its_resolve_lpi without the injection: the LPI an MSI would reach, or why not. Like KVM, a
    /// successful lookup of a software LPI fills the translation cache.
    /// </summary>
    internal MsiResult Resolve(uint deviceId, uint eventId)
    {
        if (!Enabled)
        {
            return MsiResult.Dropped(Errno.EBUSY, "the ITS is disabled");
        }

        var ite = FindIte(deviceId, eventId);
        if (ite is null || ite.Collection is not { Target: { } target } || _redistributor(target) is not { } rd)
        {
            return MsiResult.Dropped(ItsError.IntUnmappedInterrupt, "no translation for this DeviceID/EventID");
        }

        if (!rd.EnableLpis)
        {
            return MsiResult.Dropped(Errno.EBUSY, $"vCPU {target} has GICR_CTLR.EnableLPIs = 0");
        }

        if (!ite.Lpi.IsForwarded)
        {
            Cache.Insert(deviceId, eventId, ite.Lpi);
        }

        return MsiResult.Pending(ite.Lpi);
    }

    private MsiResult Trigger(uint deviceId, uint eventId, string reason)
    {
        if (!Enabled)
        {
            return MsiResult.Dropped(Errno.EBUSY, "the ITS is disabled");
        }

        var ite = FindIte(deviceId, eventId);
        if (ite is null)
        {
            return MsiResult.Dropped(ItsError.IntUnmappedInterrupt, "no ITE for this DeviceID/EventID");
        }

        if (ite.Collection is not { Target: { } target })
        {
            return MsiResult.Dropped(ItsError.IntUnmappedInterrupt, "the ITE's collection is not mapped");
        }

        var redistributor = _redistributor(target);
        if (redistributor is null)
        {
            return MsiResult.Dropped(ItsError.IntUnmappedInterrupt, "no vCPU with the collection's RDbase");
        }

        if (!redistributor.EnableLpis)
        {
            return MsiResult.Dropped(Errno.EBUSY, $"vCPU {target} has GICR_CTLR.EnableLPIs = 0");
        }

        if (!ite.Lpi.IsForwarded)
        {
            Cache.Insert(deviceId, eventId, ite.Lpi); // vgic_its_cache_translation skips hw LPIs
        }

        _lpis.MakePending(ite.Lpi, deviceId, eventId, reason);
        return MsiResult.Pending(ite.Lpi);
    }
}
