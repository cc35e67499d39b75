using System.Diagnostics;
using GicService.Domain.Bridge;
using GicService.Domain.Events;
using GicService.Domain.HostIts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Memory;
using GicService.Domain.Metrics;
using GicService.Domain.Mmio;
using GicService.Domain.Vcpus;
using GicService.Domain.Vms;

namespace GicService.Domain.Hosts;

/// <summary>
/// One simulated machine, the aggregate root: its pCPUs, its VMs (each with its virtual ITS, LPIs and
/// vCPUs). It changes only through <see cref="Apply(HostInput)"/>, one input at a time, deterministically,
/// and publishes ordered events with gap-free per-host sequence numbers. A refused input changes nothing
/// and publishes nothing.
/// </summary>
public sealed partial class Host
{
    public const int MaxVcpusPerVm = 512; // KVM's KVM_MAX_VCPUS on arm64

    private readonly EventBuffer _events = new();
    private readonly List<Vm> _vms = new();
    private readonly (string VmId, uint Vcpu)?[] _pcpus;
    private int _nextVmNumber = 1;

    private readonly HostGicV4 _hostIts;
    private readonly VgicV4Bridge _bridge;

    private Host(HostConfiguration configuration)
    {
        Configuration = configuration;
        _pcpus = new (string, uint)?[configuration.Pcpus];
        _hostIts = new HostGicV4(configuration.GicVersion, configuration.EffectiveDirectLpi, configuration.Pcpus,
            configuration.HostDevBits, configuration.HostIdBits, _events);
        _bridge = new VgicV4Bridge(_hostIts, configuration, _events, FindVm, VectorOf);
    }

    /// <summary>The host's GICv4 ITS, vPEs, VLPIs and physical redistributors.</summary>
    public HostGicV4 HostIts => _hostIts;

    /// <summary>The vgic-v4 bridge (read side: pending VLPIs of a vCPU).</summary>
    public VgicV4Bridge Bridge => _bridge;

    public HostConfiguration Configuration { get; }

    public string Id => Configuration.Id;

    public long LastSeq { get; private set; }

    public IReadOnlyList<Vm> Vms => _vms;

    /// <summary>The vCPU resident on each pCPU, or null.</summary>
    public IReadOnlyList<(string VmId, uint Vcpu)?> Pcpus => _pcpus;

    /// <summary>Builds a host; its first event is <see cref="HostCreated"/> with seq 1.</summary>
    public static Host Create(HostConfiguration configuration, out IReadOnlyList<FabricEvent> events)
    {
        var problems = configuration.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems.Select(p => $"{p.Field} {p.Problem}")), nameof(configuration));
        }

        var host = new Host(configuration);
        host._events.Add(new HostCreated(configuration.GicVersion.Name(), configuration.Pcpus));
        events = host.Publish();
        return host;
    }

    public Vm? FindVm(string vmId)
    {
        foreach (var vm in _vms)
        {
            if (vm.Id == vmId)
            {
                return vm;
            }
        }

        return null;
    }

    public Applied Apply(HostInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var outcome = input switch
        {
            CreateVm i => CreateVm(i),
            DeleteVm i => DeleteVm(i),
            WriteItsRegister i => WriteItsRegister(i),
            WriteRedistributorRegister i => WriteRedistributorRegister(i),
            WriteGuestMemory i => WriteGuestMemory(i),
            ProcessItsCommands i => ProcessItsCommands(i),
            SetLpiConfig i => SetLpiConfig(i),
            SignalMsi i => SignalMsi(i),
            SaveItsTables i => SaveItsTables(i),
            RestoreItsTables i => RestoreItsTables(i),
            ResetIts i => ResetIts(i),
            LoadVcpu i => LoadVcpu(i),
            PutVcpu i => PutVcpu(i),
            BlockVcpu i => BlockVcpu(i),
            UnblockVcpu i => UnblockVcpu(i),
            AcknowledgeInterrupt i => Acknowledge(i),
            AssignVfioDevice i => AssignVfioDevice(i),
            ProgramMsixVector i => ProgramMsixVector(i),
            TriggerMsixVector i => TriggerMsixVector(i),
            SetForwarding i => SetForwarding(i),
            UnsetForwarding i => UnsetForwarding(i),
            _ => throw new UnreachableException($"No handler for {input.GetType().Name}."),
        };

        if (outcome is Rejection rejection)
        {
            // Drained in every build: a refusal must not leak events into the next input.
            var leaked = _events.Drain();
            Debug.Assert(leaked.Count == 0, "A refused input must not publish events.");
            return new Applied(null, rejection, []);
        }

        AssertInvariants(input.GetType().Name);
        return new Applied(outcome, null, Publish());
    }

    private List<FabricEvent> Publish()
    {
        var events = _events.Drain();
        foreach (var e in events)
        {
            // Stamped in place: an event is published once, by its host, before anyone else sees it.
            e.Seq = ++LastSeq;
            e.HostId = Id;
        }

        return events;
    }

    // ---------------------------------------------------------------- lookups that refuse

    private static Rejection VmNotFound(string vmId) => new(RejectionKind.NotFound, $"VM '{vmId}' does not exist on this host.");

    private object? Resolve(string vmId, out Vm vm)
    {
        vm = FindVm(vmId)!;
        return vm is null ? VmNotFound(vmId) : null;
    }

    private object? Resolve(string vmId, uint vcpuId, out Vm vm, out Vcpu vcpu)
    {
        vcpu = null!;
        if (Resolve(vmId, out vm) is { } refused)
        {
            return refused;
        }

        vcpu = vm.FindVcpu(vcpuId)!;
        return vcpu is null
            ? new Rejection(RejectionKind.NotFound, $"VM '{vmId}' has no vCPU {vcpuId} (it has {vm.Vcpus.Count}).")
            : null;
    }

    // ---------------------------------------------------------------- VMs

    private object CreateVm(CreateVm input)
    {
        if (input.Vcpus is < 1 or > MaxVcpusPerVm)
        {
            return new Rejection(RejectionKind.Unprocessable, $"vcpus must be between 1 and {MaxVcpusPerVm}.");
        }

        var limits = Configuration.EffectiveLimits;
        if (input.Vcpus > limits.VcpusPerVm)
        {
            return Rejection.LimitExceeded(HostLimits.Names.VcpusPerVm, $"A VM on this host may have at most {limits.VcpusPerVm} vCPUs (asked for {input.Vcpus}).");
        }

        if (input.MemoryMiB is < 1 or > Vm.MaxMemoryMiB)
        {
            return new Rejection(RejectionKind.Unprocessable, $"memoryMiB must be between 1 and {Vm.MaxMemoryMiB}.");
        }

        var memoryBytes = (ulong)input.MemoryMiB << 20;
        if (input.Setup == VmSetup.Ready && memoryBytes < ReadyLayout.End(input.Vcpus) + (1UL << 20))
        {
            var needed = (ReadyLayout.End(input.Vcpus) >> 20) + 2;
            return new Rejection(RejectionKind.Unprocessable,
                $"setup 'ready' with {input.Vcpus} vCPUs needs at least {needed} MiB of guest memory for its tables.");
        }

        var id = input.Id;
        if (id is null)
        {
            do
            {
                id = $"vm{_nextVmNumber++}";
            }
            while (FindVm(id) is not null);
        }
        else if (FindVm(id) is not null)
        {
            return new Rejection(RejectionKind.Conflict, $"VM '{id}' already exists on this host.");
        }

        if (_vms.Count >= limits.Vms)
        {
            return Rejection.LimitExceeded(HostLimits.Names.Vms, $"This host already has {_vms.Count} VMs, its limit.");
        }

        var vm = new Vm(id, input.Vcpus, memoryBytes, input.Setup, _events);
        _vms.Add(vm);
        _events.Add(new VmCreated(id, input.Vcpus, memoryBytes, input.Setup == VmSetup.Ready ? "ready" : "bare"));
        if (input.Setup == VmSetup.Ready)
        {
            vm.PerformReadySetup();
        }

        _bridge.AttachVm(vm);
        return id;
    }

    private object DeleteVm(DeleteVm input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        for (var p = 0; p < _pcpus.Length; p++)
        {
            if (_pcpus[p]?.VmId == vm.Id)
            {
                _pcpus[p] = null;
            }
        }

        foreach (var vcpu in vm.Vcpus)
        {
            _bridge.Put(vm, vcpu.Id, needDoorbell: false);
        }

        _bridge.DetachVm(vm);
        RemoveDevicesOf(vm.Id);
        _vms.Remove(vm);
        _events.Add(new VmDeleted(vm.Id));
        return Done.Value;
    }

    private object WriteGuestMemory(WriteGuestMemory input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        if (!vm.Memory.Contains(input.Gpa, (ulong)input.Data.Length))
        {
            return new Rejection(RejectionKind.Unprocessable,
                $"[0x{input.Gpa:x}, +{input.Data.Length}) is outside guest RAM [0, 0x{vm.Memory.Size:x}).");
        }

        var limit = Configuration.EffectiveLimits.GuestMemoryBytesPerVm;
        var populated = (long)(vm.Memory.PopulatedPages + vm.Memory.UnpopulatedPages(input.Gpa, input.Data.Length)) * GuestMemory.PageSize;
        if (populated > limit)
        {
            return Rejection.LimitExceeded(HostLimits.Names.GuestMemoryBytesPerVm,
                $"The write would bring VM '{vm.Id}''s written memory to {populated} bytes; the limit is {limit}.");
        }

        vm.Memory.TryWrite(input.Gpa, input.Data);
        return Done.Value;
    }

    // ---------------------------------------------------------------- registers

    private object WriteItsRegister(WriteItsRegister input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        var its = vm.Its;
        IReadOnlyList<ProcessedCommand> processed = [];
        if (!ItsRegisters.IsListed(input.Register))
        {
            // Unlisted offsets, GITS_TRANSLATER included, are RAZ/WI for the guest; userspace gets -ENXIO (spec/its.md §1.1, §1.7).
            return input.Userspace
                ? new Rejection(RejectionKind.Unprocessable, $"No ITS register at offset 0x{(int)input.Register:x} (-ENXIO).", Errno.ENXIO)
                : new RegisterWriteResult(0, processed);
        }

        if (input.Userspace && input.Register is ItsRegister.CommandReadPointer or ItsRegister.ImplementerId)
        {
            var full = MmioAccess.Merge(its.Read(input.Register), input.OffsetInRegister, input.Length, input.Value);
            var errno = input.Register == ItsRegister.CommandReadPointer ? its.WriteCreadrFromUserspace(full) : its.WriteIidrFromUserspace(full);
            if (errno is { } failure)
            {
                return new Rejection(failure == Errno.EBUSY ? RejectionKind.Conflict : RejectionKind.Unprocessable,
                    failure == Errno.EBUSY
                        ? "GITS_CREADR can only be restored while the ITS is disabled (-EBUSY)."
                        : $"KVM refuses this value for {ItsRegisters.NameOf(input.Register)} (-EINVAL).",
                    failure);
            }
        }
        else if (MmioAccess.IsValid(ItsRegisters.WidthOf(input.Register), input.OffsetInRegister, input.Length))
        {
            processed = its.Write(input.Register, input.OffsetInRegister, input.Length, input.Value);
        }
        else
        {
            // An access size or alignment KVM's vgic MMIO dispatch does not perform is RAZ/WI (spec/its.md §1.1).
            _events.Add(new RegisterWritten(vm.Id, ItsRegisters.NameOf(input.Register), null, its.Read(input.Register)));
            return new RegisterWriteResult(0, processed);
        }

        var value = MmioAccess.Slice(its.Read(input.Register), input.OffsetInRegister, input.Length);
        _events.Add(new RegisterWritten(vm.Id, ItsRegisters.NameOf(input.Register), null, its.Read(input.Register)));
        return new RegisterWriteResult(value, processed);
    }

    private object WriteRedistributorRegister(WriteRedistributorRegister input)
    {
        if (Resolve(input.VmId, input.Vcpu, out var vm, out _) is { } refused)
        {
            return refused;
        }

        if (!RedistributorRegisters.IsListed(input.Register))
        {
            return 0UL; // RAZ/WI
        }

        var rd = vm.FindRedistributor(input.Vcpu)!;
        var valid = MmioAccess.IsValid(RedistributorRegisters.WidthOf(input.Register), input.OffsetInRegister, input.Length);
        if (valid)
        {
            rd.Write(input.Register, input.OffsetInRegister, input.Length, input.Value);
        }

        // An access size or alignment KVM does not perform is RAZ/WI (spec/its.md §1.1, vgic-mmio.c check_region).
        var value = rd.Read(input.Register);
        _events.Add(new RegisterWritten(vm.Id, RedistributorRegisters.NameOf(input.Register), input.Vcpu, value));
        return valid ? MmioAccess.Slice(value, input.OffsetInRegister, input.Length) : 0UL;
    }

    private object SetLpiConfig(SetLpiConfig input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        if (input.IntId < IntId.FirstLpi)
        {
            return new Rejection(RejectionKind.Unprocessable, "LPI INTIDs start at 8192.");
        }

        var address = vm.Lpis.PropertyTableAddress + input.IntId - IntId.FirstLpi;
        if (!vm.Memory.Contains(address))
        {
            return new Rejection(RejectionKind.Unprocessable,
                $"The property byte of LPI {input.IntId} (0x{address:x}, from GICR_PROPBASER) is outside guest RAM.");
        }

        vm.Memory.TryWriteByte(address, LpiProperty.From(input.Enabled, input.Priority).Raw);
        return Done.Value;
    }

    // ---------------------------------------------------------------- the command queue

    private object ProcessItsCommands(ProcessItsCommands input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        if (input.Commands.Any(q => q.Raw is null ? q.Command is null : q.Raw.Length != ItsCommandCodec.CommandSize))
        {
            return new Rejection(RejectionKind.Unprocessable, $"Every queued command is a structured command or exactly {ItsCommandCodec.CommandSize} raw bytes.");
        }

        var its = vm.Its;
        if (!its.Cbaser.Valid)
        {
            return new Rejection(RejectionKind.Conflict, "GITS_CBASER is not valid: the guest has not set up a command queue.");
        }

        if ((ulong)input.Commands.Count > its.FreeSlots)
        {
            return new Rejection(RejectionKind.Conflict,
                $"The command queue has room for {its.FreeSlots} more commands ({input.Commands.Count} given); enable the ITS so it drains.");
        }

        var queueEnd = its.Cbaser.Address + its.Cbaser.QueueBytes;
        if (!vm.Memory.Contains(its.Cbaser.Address, its.Cbaser.QueueBytes))
        {
            return new Rejection(RejectionKind.Unprocessable, $"The command queue [0x{its.Cbaser.Address:x}, 0x{queueEnd:x}) is not inside guest RAM.");
        }

        var mark = vm.IttAllocator.Mark();
        var encoded = new List<byte[]>(input.Commands.Count);
        foreach (var queued in input.Commands)
        {
            var command = queued.Command;
            if (queued.AllocateItt && command is Mapd { Valid: true } mapd)
            {
                if (vm.IttAllocator.Allocate(mapd.DeviceId.Value, mapd.Size + 1) is not { } itt)
                {
                    vm.IttAllocator.Reset(mark);
                    return new Rejection(RejectionKind.Unprocessable, "No room left in guest RAM to place an ITT; give ittAddress.");
                }

                command = mapd with { IttAddress = itt };
            }

            encoded.Add(queued.Raw ?? ItsCommandCodec.Encode(command ?? throw new UnreachableException("A queued command has no content.")));
        }

        its.TryEnqueue(encoded, out var cwriter);
        var processed = its.Write(ItsRegister.CommandWritePointer, 0, 8, cwriter);
        var ours = processed.Count >= encoded.Count ? processed.Skip(processed.Count - encoded.Count).ToList() : [];
        return new CommandsResult(ours, its.Enabled, its.Creadr, its.Cwriter);
    }

    // ---------------------------------------------------------------- MSIs

    private object SignalMsi(SignalMsi input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        var result = vm.Its.SignalMsi(input.DeviceId, input.EventId, "MSI");
        DomainMetrics.Msi(DomainMetrics.MsiPath.Signal, result);
        if (!result.Delivered)
        {
            _events.Add(new MsiDropped(vm.Id, input.DeviceId, input.EventId, result.Reason ?? "dropped", result.ItsError, result.Errno));
        }

        return new MsiOutcome(result.Delivered, result.Lpi?.IntId.Value, result.Lpi?.TargetVcpu, result.ItsError, result.Errno, result.Reason);
    }
}
