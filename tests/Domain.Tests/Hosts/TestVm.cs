using System.Buffers.Binary;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Hosts;

/// <summary>
/// One VM on a fresh host, driven only through <see cref="Host.Apply"/>, with shorthands for the inputs
/// the domain tests apply most. Every event the host publishes is recorded in order.
/// </summary>
internal sealed class TestVm
{
    /// <summary>ITTs of the test devices live here: 1 MiB apart, so any Size up to 16 bits fits.</summary>
    public const ulong IttBase = 0x100_0000;

    public const int DefaultMemoryMiB = 32;

    private readonly List<FabricEvent> _events = new();

    public TestVm(Host host, string vmId, IEnumerable<FabricEvent> initialEvents)
    {
        Host = host;
        Id = vmId;
        _events.AddRange(initialEvents);
    }

    public Host Host { get; }

    public string Id { get; }

    public Vm Vm => Host.FindVm(Id) ?? throw new InvalidOperationException($"VM {Id} is gone.");

    public VirtualIts Its => Vm.Its;

    public LpiDistributor Lpis => Vm.Lpis;

    /// <summary>Every event the host published, from HostCreated on.</summary>
    public IReadOnlyList<FabricEvent> Events => _events;

    /// <summary>The events of the last applied input.</summary>
    public IReadOnlyList<FabricEvent> LastEvents { get; private set; } = [];

    public static ulong Itt(uint deviceId) => IttBase + (deviceId & 0xF) * 0x10_0000;

    // ------------------------------------------------------------------ applying inputs

    public Applied Apply(HostInput input)
    {
        var applied = Host.Apply(input);
        _events.AddRange(applied.Events);
        LastEvents = applied.Events;
        return applied;
    }

    public T Accept<T>(HostInput<T> input)
    {
        var applied = Apply(input);
        Assert.True(applied.Accepted, $"{input.GetType().Name} was refused: {applied.Rejection?.Detail}");
        return Assert.IsType<T>(applied.Result);
    }

    public Rejection Refuse(HostInput input)
    {
        var applied = Apply(input);
        Assert.False(applied.Accepted, $"{input.GetType().Name} was accepted.");
        Assert.Empty(applied.Events);
        return applied.Rejection!;
    }

    // ------------------------------------------------------------------ commands

    public CommandsResult Run(params ItsCommand[] commands) =>
        Accept(new ProcessItsCommands(Id, commands.Select(c => new QueuedCommand(c, null)).ToList()));

    public CommandsResult RunRaw(params byte[][] commands) =>
        Accept(new ProcessItsCommands(Id, commands.Select(c => new QueuedCommand(null, c)).ToList()));

    public ProcessedCommand RunOne(ItsCommand command) => Assert.Single(Run(command).Results);

    /// <summary>Runs the commands and asserts every one succeeded.</summary>
    public void RunOk(params ItsCommand[] commands)
    {
        var results = Run(commands).Results;
        Assert.Equal(commands.Length, results.Count);
        foreach (var result in results)
        {
            Assert.True(result.Status == CommandStatus.Ok,
                $"{result.Op} failed: {result.ItsError?.Name()} {result.Errno} {result.Reason}");
        }
    }

    public static Mapd MapDevice(uint deviceId, int eventIdBits = 5) =>
        new(new DeviceId(deviceId), (byte)(eventIdBits - 1), Itt(deviceId), true);

    public static Mapd UnmapDevice(uint deviceId) => new(new DeviceId(deviceId), 0, 0, false);

    public static Mapc MapCollection(ushort icid, uint vcpu) => new(new CollectionId(icid), vcpu, true);

    public static Mapc UnmapCollection(ushort icid) => new(new CollectionId(icid), 0, false);

    public static Mapti Map(uint deviceId, uint eventId, uint intId, ushort icid) =>
        new(new DeviceId(deviceId), new EventId(eventId), new IntId(intId), new CollectionId(icid));

    public static Int Int(uint deviceId, uint eventId) => new(new DeviceId(deviceId), new EventId(eventId));

    public static Clear Clear(uint deviceId, uint eventId) => new(new DeviceId(deviceId), new EventId(eventId));

    public static Inv Inv(uint deviceId, uint eventId) => new(new DeviceId(deviceId), new EventId(eventId));

    public static Discard Discard(uint deviceId, uint eventId) => new(new DeviceId(deviceId), new EventId(eventId));

    public static Movi Movi(uint deviceId, uint eventId, ushort icid) => new(new DeviceId(deviceId), new EventId(eventId), new CollectionId(icid));

    public static Invall Invall(ushort icid) => new(new CollectionId(icid));

    // ------------------------------------------------------------------ MSIs, LPIs, vCPUs

    public MsiOutcome Msi(uint deviceId, uint eventId) => Accept(new SignalMsi(Id, deviceId, eventId));

    public void SetLpi(uint intId, bool enabled, byte priority) => Accept(new SetLpiConfig(Id, intId, enabled, priority));

    public Lpi Lpi(uint intId) => Lpis.Find(intId) ?? throw new Xunit.Sdk.XunitException($"LPI {intId} does not exist.");

    public void Load(uint vcpu, uint pcpu) => Accept(new LoadVcpu(Id, vcpu, pcpu));

    public uint? Ack(uint vcpu) => Accept(new AcknowledgeInterrupt(Id, vcpu)).IntId;

    // ------------------------------------------------------------------ registers

    public RegisterWriteResult WriteIts(ItsRegister register, ulong value, int offset = 0, int? length = null) =>
        Accept(new WriteItsRegister(Id, register, offset, length ?? WidthOf(register), value));

    public ulong ReadIts(ItsRegister register) => Its.Read(register);

    public ulong WriteRd(uint vcpu, RedistributorRegister register, ulong value, int offset = 0, int? length = null) =>
        Accept(new WriteRedistributorRegister(Id, vcpu, register, offset, length ?? RedistributorRegisters.WidthOf(register), value));

    public ulong ReadRd(uint vcpu, RedistributorRegister register) => Vm.Redistributors[(int)vcpu].Read(register);

    public static int WidthOf(ItsRegister register) => ItsRegisters.IsListed(register) ? ItsRegisters.WidthOf(register) : 4;

    public void DisableIts() => WriteIts(ItsRegister.Control, 0);

    public void EnableIts() => WriteIts(ItsRegister.Control, 1);

    public void SetEnableLpis(uint vcpu, bool enable) => WriteRd(vcpu, RedistributorRegister.Control, enable ? 1UL : 0UL);

    // ------------------------------------------------------------------ guest memory and tables

    public ulong ReadU64(ulong gpa)
    {
        Assert.True(Vm.Memory.TryReadUInt64(gpa, out var value), $"0x{gpa:x} is outside guest RAM");
        return value;
    }

    public byte ReadByte(ulong gpa)
    {
        Assert.True(Vm.Memory.TryReadByte(gpa, out var value), $"0x{gpa:x} is outside guest RAM");
        return value;
    }

    public void WriteU64(ulong gpa, ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Accept(new WriteGuestMemory(Id, gpa, bytes));
    }

    public void WriteBytes(ulong gpa, byte[] bytes) => Accept(new WriteGuestMemory(Id, gpa, bytes));

    /// <summary>Sets or clears the pending-table bit of <paramref name="intId"/> in <paramref name="vcpu"/>'s pending table.</summary>
    public void SetPendingBit(uint vcpu, uint intId, bool value)
    {
        var address = Vm.Redistributors[(int)vcpu].PendingTableAddress + intId / 8;
        var current = ReadByte(address);
        var bit = (byte)(1 << (int)(intId % 8));
        WriteBytes(address, [value ? (byte)(current | bit) : (byte)(current & ~bit)]);
    }

    public bool PendingBit(uint vcpu, uint intId) =>
        (ReadByte(Vm.Redistributors[(int)vcpu].PendingTableAddress + intId / 8) & (1 << (int)(intId % 8))) != 0;

    public void Save() => Accept(new SaveItsTables(Id));

    public void ResetIts() => Accept(new ResetIts(Id));

    public Applied Restore() => Apply(new RestoreItsTables(Id));

    /// <summary>What a VMM does after CTRL_RESET before RESTORE_TABLES: CBASER and BASER0/1 back to their values (§5.3).</summary>
    public void ReprogramAfterReset(ulong cbaser, ulong baser0, ulong baser1)
    {
        WriteIts(ItsRegister.CommandQueueBase, cbaser);
        WriteIts(ItsRegister.TableBase0, baser0);
        WriteIts(ItsRegister.TableBase1, baser1);
    }

    /// <summary>The VM's ITS, LPI and redistributor state as one comparable text (see <see cref="StateSnapshot"/>).</summary>
    public string Snapshot() => StateSnapshot.Of(Vm);

    public ulong DteAddress(uint deviceId) => ReadyLayout.DeviceTable + deviceId * 8UL;

    public static ulong IteAddress(uint deviceId, uint eventId) => Itt(deviceId) + eventId * 8UL;
}
