using CsCheck;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vfio;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Snapshots;

/// <summary>
/// Random host sessions over every kind of input, valid and invalid, with ids drawn from small ranges so
/// they collide: two VMs (and a missing third), VFIO functions, forwarding, scheduling and the ITS of each.
/// A fixed warm-up first maps devices, collections and forwarded vectors so the random inputs hit.
/// Shared with Infrastructure.Tests (linked source).
/// </summary>
public static class RandomSessions
{
    /// <summary>Every concrete input record, so a test can check its streams cover all of them.</summary>
    public static readonly IReadOnlyList<Type> InputKinds = typeof(HostInput).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(HostInput)) && !t.IsAbstract)
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static readonly ulong Translater = Vm.ItsBase + VirtualIts.TranslaterOffset;

    private static readonly ulong ReadyCbaser = GitsCbaser.Make(ReadyLayout.CommandQueue, ReadyLayout.CommandQueueBytes);
    private static readonly ulong ReadyBaser0 = GitsBaser.MakeFlat(GitsBaser.TypeDevice, ReadyLayout.DeviceTable, ReadyLayout.TablePages);
    private static readonly ulong ReadyBaser1 = GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, ReadyLayout.TablePages);

    public static readonly Gen<HostConfiguration> Configuration = Gen.Select(
        Gen.Bool, Gen.OneOf<bool?>(null, true, false), Gen.Bool, Gen.Bool,
        (v41, directLpi, remapHint, preserve) => new HostConfiguration(
            "h1", 4, v41 ? GicVersion.V4_1 : GicVersion.V4_0, 16, 16, v41 ? null : directLpi, remapHint, preserve));

    private static readonly Gen<string> VmId = Gen.Frequency((10, Gen.Const("vm1")), (3, Gen.Const("vm2")), (1, Gen.Const("vm3")));
    private static readonly Gen<uint> Device = Gen.Frequency((12, Gen.UInt[0, 3]), (1, Gen.OneOf(0x1_0000u, 0xFFFF_FFFFu)));
    private static readonly Gen<uint> Event = Gen.Frequency((12, Gen.UInt[0, 3]), (1, Gen.OneOf(40u, 0x1_0000u)));
    private static readonly Gen<uint> Lpi = Gen.Frequency((12, Gen.UInt[8192, 8203]), (1, Gen.OneOf(0u, 8191u, 0x1_0000u)));
    private static readonly Gen<ushort> Icid = Gen.Frequency((12, Gen.UShort[0, 3]), (1, Gen.Const((ushort)0xFFFF)));
    private static readonly Gen<ulong> RdBase = Gen.Frequency((12, Gen.UInt[0, 4].Select(v => (ulong)v)), (1, Gen.Const(0xF_0000_0001UL)));
    private static readonly Gen<uint> Vcpu = Gen.Frequency((8, Gen.UInt[0, 3]), (1, Gen.Const(7u)));
    private static readonly Gen<uint> Pcpu = Gen.Frequency((8, Gen.UInt[0, 3]), (1, Gen.Const(9u)));
    private static readonly Gen<string> VfioId = Gen.Frequency((8, Gen.Const("dev1")), (3, Gen.Const("dev2")), (1, Gen.Const("dev9")));
    private static readonly Gen<uint> HostIrq = Gen.UInt[64, 73];

    private static readonly Gen<ItsCommand> Command = Gen.Frequency<ItsCommand>(
        (2, Gen.Select(Device, Gen.OneOf<byte>(1, 2, 3, 16), Gen.Frequency((5, Gen.Const(true)), (1, Gen.Const(false))),
            (d, s, v) => (ItsCommand)new Mapd(new DeviceId(d), s, 0x100_0000 + (d & 3) * 0x10_0000UL, v))),
        (3, Gen.Select(Icid, RdBase, Gen.Frequency((8, Gen.Const(true)), (1, Gen.Const(false))),
            (c, r, v) => (ItsCommand)new Mapc(new CollectionId(c), r, v))),
        (6, Gen.Select(Device, Event, Lpi, Icid, (d, e, i, c) => (ItsCommand)new Mapti(new DeviceId(d), new EventId(e), new IntId(i), new CollectionId(c)))),
        (1, Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Mapi(new DeviceId(d), new EventId(e), new CollectionId(c)))),
        (3, Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Movi(new DeviceId(d), new EventId(e), new CollectionId(c)))),
        (1, Gen.Select(RdBase, RdBase, (a, b) => (ItsCommand)new Movall(a, b))),
        (5, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Int(new DeviceId(d), new EventId(e)))),
        (2, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Clear(new DeviceId(d), new EventId(e)))),
        (3, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Inv(new DeviceId(d), new EventId(e)))),
        (2, Icid.Select(c => (ItsCommand)new Invall(new CollectionId(c)))),
        (2, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Discard(new DeviceId(d), new EventId(e)))),
        (1, RdBase.Select(r => (ItsCommand)new Sync(r))),
        (1, Gen.OneOf<ItsCommand>(new Vsync(1), new Vmapti(new DeviceId(1), new EventId(1), 1, new IntId(8192), 1023), new UnknownCommand(0x42))));

    private static readonly Gen<QueuedCommand> Queued = Gen.Frequency(
        (10, Command.Select(c => new QueuedCommand(c, null))),
        (2, Gen.Select(Device, Gen.OneOf<byte>(1, 2, 4), (d, s) => new QueuedCommand(new Mapd(new DeviceId(d), s, 0, true), null, AllocateItt: true))),
        (2, Command.Select(c => new QueuedCommand(null, ItsCommandCodec.Encode(c)))));

    private static readonly Gen<(ItsRegister Register, ulong Value)> ItsWrite = Gen.Frequency(
        (4, Gen.OneOf(0UL, 1UL, 1UL).Select(v => (ItsRegister.Control, v))),
        (1, Gen.OneOf(ReadyCbaser, ReadyCbaser & ~(1UL << 63)).Select(v => (ItsRegister.CommandQueueBase, v))),
        (1, Gen.OneOf(0UL, 0x20UL, 0x40UL, 0x1_0000UL).Select(v => (ItsRegister.CommandWritePointer, v))),
        (1, Gen.OneOf(0UL, 0x20UL).Select(v => (ItsRegister.CommandReadPointer, v))),
        (1, Gen.OneOf(ReadyBaser0, ReadyBaser0 + 1, ReadyBaser0 & ~(1UL << 63)).Select(v => (ItsRegister.TableBase0, v))),
        (1, Gen.OneOf(ReadyBaser1, ReadyBaser1 + 1, ReadyBaser1 & ~(1UL << 63)).Select(v => (ItsRegister.TableBase1, v))),
        (1, Gen.OneOf(0UL, 0x1000UL).Select(v => (ItsRegister.ImplementerId, v))),
        (1, Gen.ULong.Select(v => ((ItsRegister)0x10040, v))));

    private static readonly Gen<(RedistributorRegister Register, ulong Value)> RdWrite = Gen.Frequency(
        (3, Gen.OneOf(0UL, 1UL, 1UL).Select(v => (RedistributorRegister.Control, v))),
        (1, Gen.OneOf(ReadyLayout.PropertyTable | (1UL << 10) | (3UL << 7) | 15, 0UL).Select(v => (RedistributorRegister.PropertyBase, v))),
        (1, Gen.Select(Gen.UInt[0, 3], Gen.Bool, (v, ptz) => (RedistributorRegister.PendingBase, ReadyLayout.PendingTable(v) | (ptz ? 1UL << 62 : 0)))),
        (2, Lpi.Select(i => (RedistributorRegister.InvalidateLpi, (ulong)i))),
        (1, Gen.Const((RedistributorRegister.InvalidateAll, 0UL))),
        (1, Gen.Const((RedistributorRegister.Synchronize, 0UL))));

    private static readonly Gen<ulong> Gpa = Gen.Frequency(
        (3, Gen.Select(Gen.UInt[0, 3], Lpi, (v, i) => ReadyLayout.PendingTable(v) + i / 8)),
        (3, Lpi.Select(i => ReadyLayout.PropertyTable + i - 8192)),
        (1, Gen.UInt[0, 0x3F_FFFF].Select(a => (ulong)a)),
        (1, Gen.Const(0xFFFF_FFFF_0000UL)));

    /// <summary>One input of any kind, most of them aimed at things that exist.</summary>
    public static readonly Gen<HostInput> Input = Gen.Frequency<HostInput>(
        (1, Gen.Select(Gen.OneOf<string?>(null, "vm1", "vm2", "vm3"), Gen.Int[1, 4], Gen.OneOf(1, 8, 16), Gen.OneOf(VmSetup.Ready, VmSetup.Bare),
            (id, vcpus, mib, setup) => (HostInput)new CreateVm(id, vcpus, mib, setup))),
        (1, Gen.Frequency((1, Gen.Const("vm1")), (8, Gen.Const("vm2")), (3, Gen.Const("vm3"))).Select(vm => (HostInput)new DeleteVm(vm))),
        (4, Gen.Select(VmId, ItsWrite, Gen.OneOf(0, 0, 4), Gen.OneOf(8, 8, 4), Gen.Frequency((6, Gen.Const(false)), (1, Gen.Const(true))),
            (vm, w, offset, length, userspace) => (HostInput)new WriteItsRegister(vm, w.Register, offset, length, w.Value, userspace))),
        (4, Gen.Select(VmId, Vcpu, RdWrite, Gen.OneOf(0, 0, 4), (vm, v, w, offset) =>
            (HostInput)new WriteRedistributorRegister(vm, v, w.Register, offset, w.Register == RedistributorRegister.Control ? 4 : 8, w.Value))),
        (2, Gen.Select(VmId, Gpa, Gen.Byte.Array[1, 8], (vm, gpa, data) => (HostInput)new WriteGuestMemory(vm, gpa, data))),
        (30, Gen.Select(VmId, Queued.Array[1, 4], (vm, cs) => (HostInput)new ProcessItsCommands(vm, cs))),
        (4, Gen.Select(VmId, Lpi, Gen.Bool, Gen.Byte, (vm, i, en, p) => (HostInput)new SetLpiConfig(vm, i, en, p))),
        (12, Gen.Select(VmId, Device, Event, (vm, d, e) => (HostInput)new SignalMsi(vm, d, e))),
        (1, VmId.Select(vm => (HostInput)new SaveItsTables(vm))),
        (1, VmId.Select(vm => (HostInput)new RestoreItsTables(vm))),
        (1, VmId.Select(vm => (HostInput)new ResetIts(vm))),
        (4, Gen.Select(VmId, Vcpu, Pcpu, (vm, v, p) => (HostInput)new LoadVcpu(vm, v, p))),
        (3, Gen.Select(VmId, Vcpu, (vm, v) => (HostInput)new PutVcpu(vm, v))),
        (3, Gen.Select(VmId, Vcpu, (vm, v) => (HostInput)new BlockVcpu(vm, v))),
        (3, Gen.Select(VmId, Vcpu, (vm, v) => (HostInput)new UnblockVcpu(vm, v))),
        (8, Gen.Select(VmId, Vcpu, (vm, v) => (HostInput)new AcknowledgeInterrupt(vm, v))),
        (1, Gen.Select(Gen.OneOf<string?>(null, "dev1", "dev2"), Gen.OneOf("0000:01:00.0", "0000:02:00.0", "0000:03:00.1", "bad"), Gen.Int[1, 4], VmId, Gen.UInt[0, 3],
            (id, bdf, vectors, vm, guestDevice) => (HostInput)new AssignVfioDevice(id, bdf, vectors, vm, guestDevice))),
        (4, Gen.Select(VfioId, Gen.Int[0, 4], Gen.Frequency((6, Gen.Const(Translater)), (1, Gen.Const(0x1000UL))), Gen.UInt[0, 3], Gen.Frequency((5, Gen.Const(false)), (1, Gen.Const(true))),
            (dev, v, address, data, masked) => (HostInput)new ProgramMsixVector(dev, v, address, data, masked))),
        (8, Gen.Select(VfioId, Gen.Int[0, 4], (dev, v) => (HostInput)new TriggerMsixVector(dev, v))),
        (2, Gen.Select(VmId, HostIrq, Gen.UInt[0, 3], Gen.UInt[0, 3], (vm, irq, data, device) =>
            (HostInput)new SetForwarding(vm, irq, new MsiRoute(Translater, data, device)))),
        (2, Gen.Select(VmId, HostIrq, (vm, irq) => (HostInput)new UnsetForwarding(vm, irq))));

    /// <summary>
    /// A fixed start: vm1 (4 vCPUs, ready) with devices 0-3 (events 0-3 mapped to LPIs 8192-8203 on collections
    /// 0-3, one per vCPU), vm2 (2 vCPUs, bare), VFIO function dev1 on vm1 (guest DeviceID 1, 4 vectors programmed
    /// at the vITS, so forwarded), and vm1's vCPUs 0-2 running on pCPUs 0-2.
    /// </summary>
    public static IReadOnlyList<HostInput> Warmup()
    {
        var commands = new List<QueuedCommand>();
        for (uint d = 0; d < 4; d++)
        {
            commands.Add(new QueuedCommand(new Mapd(new DeviceId(d), 2, 0, true), null, AllocateItt: true));
            commands.Add(new QueuedCommand(new Mapc(new CollectionId((ushort)d), d, true), null));
        }

        for (uint d = 0; d < 4; d++)
        {
            for (uint e = 0; e < 4; e++)
            {
                commands.Add(new QueuedCommand(new Mapti(new DeviceId(d), new EventId(e), new IntId(8192 + (d * 4 + e) % 12), new CollectionId((ushort)e)), null));
            }
        }

        var inputs = new List<HostInput>
        {
            new CreateVm("vm1", 4, 16, VmSetup.Ready),
            new CreateVm("vm2", 2, 8, VmSetup.Bare),
            new ProcessItsCommands("vm1", commands),
            new AssignVfioDevice("dev1", "0000:01:00.0", 4, "vm1", 1),
        };
        for (var v = 0; v < 4; v++)
        {
            inputs.Add(new ProgramMsixVector("dev1", v, Translater, (uint)v, false));
        }

        for (uint v = 0; v < 3; v++)
        {
            inputs.Add(new LoadVcpu("vm1", v, v));
        }

        return inputs;
    }
}
