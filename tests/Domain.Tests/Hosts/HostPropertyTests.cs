using CsCheck;
using GicService.Domain.Events;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Hosts;

/// <summary>
/// Random streams of guest and VMM inputs, valid and invalid, with ids drawn from small ranges so they
/// collide: the host never throws, every input leaves the invariants of <see cref="HostInvariants"/>
/// intact, a refused input changes nothing, and event sequence numbers stay gap-free.
/// </summary>
public sealed class HostPropertyTests
{
    private const string Vm = HostBuilder.VmId;

    private static readonly Gen<uint> Device = Gen.Frequency((12, Gen.UInt[0, 2]), (1, Gen.OneOf(0x1_0000u, 0xFFFF_FFFFu)));
    private static readonly Gen<uint> Event = Gen.Frequency((12, Gen.UInt[0, 3]), (1, Gen.OneOf(40u, 8192u, 8193u, 0x1_0000u)));
    private static readonly Gen<uint> Lpi = Gen.Frequency((12, Gen.UInt[8192, 8199]), (1, Gen.OneOf(0u, 8191u, 0x1_0000u)));
    private static readonly Gen<ushort> Icid = Gen.Frequency((12, Gen.UShort[0, 3]), (1, Gen.OneOf((ushort)0xFFFF)));
    private static readonly Gen<ulong> RdBase = Gen.Frequency((12, Gen.UInt[0, 4].Select(v => (ulong)v)), (1, Gen.OneOf(0xF_0000_0001UL, 0x1_0001UL)));
    private static readonly Gen<uint> Vcpu = Gen.UInt[0, 3];

    private static readonly Gen<ItsCommand> Command = Gen.Frequency<ItsCommand>(
        (1, Gen.Select(Device, Gen.OneOf<byte>(0, 2, 2, 3, 13, 16), Gen.Frequency((4, Gen.Const(true)), (1, Gen.Const(false))),
            Gen.Frequency((12, Gen.Const(false)), (1, Gen.Const(true))),
            (d, s, v, outside) => (ItsCommand)new Mapd(new DeviceId(d), s, outside ? 0xFFFF_0000_0000 : TestVm.Itt(d), v))),
        (3, Gen.Select(Icid, RdBase, Gen.Frequency((10, Gen.Const(true)), (1, Gen.Const(false))),
            (c, r, v) => (ItsCommand)new Mapc(new CollectionId(c), r, v))),
        (6, Gen.Select(Device, Event, Lpi, Icid, (d, e, i, c) => (ItsCommand)new Mapti(new DeviceId(d), new EventId(e), new IntId(i), new CollectionId(c)))),
        (1, Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Mapi(new DeviceId(d), new EventId(e), new CollectionId(c)))),
        (2, Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Movi(new DeviceId(d), new EventId(e), new CollectionId(c)))),
        (1, Gen.Select(RdBase, RdBase, (a, b) => (ItsCommand)new Movall(a, b))),
        (5, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Int(new DeviceId(d), new EventId(e)))),
        (2, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Clear(new DeviceId(d), new EventId(e)))),
        (2, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Inv(new DeviceId(d), new EventId(e)))),
        (1, Icid.Select(c => (ItsCommand)new Invall(new CollectionId(c)))),
        (2, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Discard(new DeviceId(d), new EventId(e)))),
        (1, Gen.Const<ItsCommand>(new Sync(0))),
        (1, Gen.OneOf<ItsCommand>(new Vsync(1), new Vmapti(new DeviceId(1), new EventId(1), 1, new IntId(8192), 1023), new UnknownCommand(0x42))));

    private static readonly ulong ReadyCbaser = GitsCbaser.Make(ReadyLayout.CommandQueue, ReadyLayout.CommandQueueBytes);
    private static readonly ulong ReadyBaser0 = GitsBaser.MakeFlat(GitsBaser.TypeDevice, ReadyLayout.DeviceTable, ReadyLayout.TablePages);
    private static readonly ulong ReadyBaser1 = GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, ReadyLayout.TablePages);

    private static readonly Gen<HostInput> Input = Gen.Frequency<HostInput>(
        (40, Command.Array[1, 4].Select(cs => (HostInput)new ProcessItsCommands(Vm, cs.Select(c => new QueuedCommand(c, null)).ToList()))),
        (15, Gen.Select(Device, Event, (d, e) => (HostInput)new SignalMsi(Vm, d, e))),
        (4, Gen.Select(Gen.UInt[8192, 8199], Gen.Bool, Gen.Byte, (i, en, p) => (HostInput)new SetLpiConfig(Vm, i, en, p))),
        (2, Gen.Select(Vcpu, Gen.OneOf(0UL, 1UL, 1UL), (v, on) => (HostInput)new WriteRedistributorRegister(Vm, v, RedistributorRegister.Control, 0, 4, on))),
        (1, Gen.Select(Vcpu, Gen.Bool, (v, ptz) => (HostInput)new WriteRedistributorRegister(
            Vm, v, RedistributorRegister.PendingBase, 0, 8, ReadyLayout.PendingTable(v) | (ptz ? 1UL << 62 : 0)))),
        (1, Gen.Select(Vcpu, Lpi, (v, i) => (HostInput)new WriteRedistributorRegister(Vm, v, RedistributorRegister.InvalidateLpi, 0, 8, i))),
        (1, Vcpu.Select(v => (HostInput)new WriteRedistributorRegister(Vm, v, RedistributorRegister.InvalidateAll, 0, 8, 0))),
        (3, Gen.OneOf(0UL, 1UL, 1UL).Select(on => (HostInput)new WriteItsRegister(Vm, ItsRegister.Control, 0, 4, on))),
        (1, Gen.OneOf(ReadyBaser0, ReadyBaser0 + 1, ReadyBaser0 & ~(1UL << 63)).Select(v => (HostInput)new WriteItsRegister(Vm, ItsRegister.TableBase0, 0, 8, v))),
        (1, Gen.OneOf(ReadyBaser1, ReadyBaser1 + 1, ReadyBaser1 & ~(1UL << 63)).Select(v => (HostInput)new WriteItsRegister(Vm, ItsRegister.TableBase1, 0, 8, v))),
        (1, Gen.Const<HostInput>(new WriteItsRegister(Vm, ItsRegister.CommandQueueBase, 0, 8, ReadyCbaser))),
        (1, Gen.Select(Vcpu, Gen.Byte, (v, b) => (HostInput)new WriteGuestMemory(Vm, ReadyLayout.PendingTable(v) + 8192 / 8, [b]))),
        (1, Gen.Const<HostInput>(new SaveItsTables(Vm))),
        (1, Gen.Const<HostInput>(new RestoreItsTables(Vm))),
        (1, Gen.Const<HostInput>(new ResetIts(Vm))),
        (1, Gen.Select(Vcpu, Gen.UInt[0, 3], (v, p) => (HostInput)new LoadVcpu(Vm, v, p))),
        (1, Vcpu.Select(v => (HostInput)new PutVcpu(Vm, v))),
        (1, Vcpu.Select(v => (HostInput)new BlockVcpu(Vm, v))),
        (1, Vcpu.Select(v => (HostInput)new UnblockVcpu(Vm, v))),
        (8, Vcpu.Select(v => (HostInput)new AcknowledgeInterrupt(Vm, v))));

    /// <summary>The ITS and LPI state without guest RAM (cheap enough to take around every input).</summary>
    private static string State(TestVm vm) => StateSnapshot.Of(vm.Vm, includeMemory: false)
        + $"\ncreadr={vm.Its.Creadr:x} cwriter={vm.Its.Cwriter:x} vcpus={string.Join(',', vm.Vm.Vcpus.Select(v => $"{v.State}@{v.Pcpu}"))}";

    /// <summary>A ready VM whose devices 0-3 (8 events each) and collections 0-3 (one per vCPU) are mapped and whose vCPUs run, so random ids hit.</summary>
    private static TestVm WarmVm()
    {
        var vm = HostBuilder.ReadyVm();
        HostInvariants.Check(vm.Host);
        for (uint i = 0; i < 4; i++)
        {
            vm.RunOk(TestVm.MapDevice(i, eventIdBits: 3), TestVm.MapCollection((ushort)i, i));
            vm.Load(i, i);
        }

        return vm;
    }

    [Fact]
    public void Host_NeverThrowsAndKeepsItsInvariants_ForRandomInputStreams()
    {
        Input.Array[1, 60].Sample(inputs =>
        {
            var vm = WarmVm();
            HostInvariants.Check(vm.Host);
            var seq = vm.Host.LastSeq;
            Assert.Equal(Enumerable.Range(1, (int)seq).Select(i => (long)i), vm.Events.Select(e => e.Seq));

            foreach (var input in inputs)
            {
                var before = State(vm);
                var applied = vm.Apply(input);

                foreach (var e in applied.Events)
                {
                    Assert.Equal(++seq, e.Seq);
                    Assert.Equal(HostBuilder.HostId, e.HostId);
                }

                Assert.Equal(seq, vm.Host.LastSeq);
                if (!applied.Accepted)
                {
                    Assert.Empty(applied.Events);
                    Assert.Equal(before, State(vm));
                }

                HostInvariants.Check(vm.Host);
            }
        }, iter: 400);
    }

    [Fact]
    public void Host_RebuildsTheSameStateAndEvents_WhenTheSameInputsAreReplayed()
    {
        Input.Array[1, 40].Sample(inputs =>
        {
            var first = WarmVm();
            var second = WarmVm();
            foreach (var input in inputs)
            {
                first.Apply(input);
                second.Apply(input);
            }

            Assert.Equal(first.Snapshot(), second.Snapshot());
            Assert.Equal(first.Events.Select(Describe), second.Events.Select(Describe));
        }, iter: 100);
    }

    private static string Describe(FabricEvent e) => e.ToString();
}
