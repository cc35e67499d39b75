using GicService.Differential.Qemu;
using GicService.Differential.Runs;
using GicService.Differential.Streams;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Differential.KnownDifferences;

/// <summary>
/// A ready GicService VM and a freshly reset QEMU side by side, fed the same commands without any of
/// the differential's relaxations, so a test can show what each side really does.
/// </summary>
internal sealed class SideBySide : IDisposable
{
    private readonly QemuPool _pool;

    public SideBySide(QemuPool pool, int vcpus)
    {
        _pool = pool;
        Host = Host.Create(new HostConfiguration("side-by-side", 4, GicVersion.V4_0), out _);
        Assert.True(Host.Apply(new CreateVm(StreamRunner.VmId, vcpus, StreamLayout.MemoryMiB, VmSetup.Ready)).Accepted);
        Qemu = pool.Rent(vcpus);
        Qemu.Reset();
    }

    public const ulong IttA = StreamLayout.IttBase;
    public const ulong IttB = StreamLayout.IttBase + StreamLayout.IttSlotBytes;

    public Host Host { get; }

    public QemuIts Qemu { get; }

    public Vm Vm => Host.FindVm(StreamRunner.VmId)!;

    public IReadOnlyCollection<Lpi> Lpis => Vm.Lpis.Lpis;

    /// <summary>Run one command on both; GicService's result and QEMU's outcome.</summary>
    public (ProcessedCommand Kvm, QemuCommandOutcome Qemu) Run(ItsCommand command)
    {
        var step = new StreamStep(command);
        var applied = Host.Apply(new ProcessItsCommands(StreamRunner.VmId, [new QueuedCommand(null, step.Encode())]));
        var result = ((CommandsResult)applied.Result!).Results.Single();
        return (result, Qemu.Execute(step.EncodeForQemu(QemuIts.RamBase)));
    }

    /// <summary>Run commands that must succeed on both sides.</summary>
    public void RunOk(params ItsCommand[] commands)
    {
        foreach (var command in commands)
        {
            var (kvm, qemu) = Run(command);
            Assert.True(kvm.Status == CommandStatus.Ok, $"{command}: GicService {StreamRunner.Describe(kvm)}");
            Assert.False(qemu.Failed, $"{command}: QEMU {qemu.Log}");
        }
    }

    /// <summary>GICR_CTLR.EnableLPIs of one vCPU on both sides.</summary>
    public void SetEnableLpis(uint vcpu, bool enable)
    {
        Assert.True(Host.Apply(new WriteRedistributorRegister(StreamRunner.VmId, vcpu, RedistributorRegister.Control, 0, 4, enable ? 1UL : 0UL)).Accepted);
        Assert.Equal(string.Empty, Qemu.SetEnableLpis(vcpu, enable));
    }

    public static Mapd Mapd(uint device, ulong itt = IttA, bool valid = true, byte size = 3) => new(new DeviceId(device), size, itt, valid);

    public static Mapc Mapc(ushort icid, ulong rdBase, bool valid = true) => new(new CollectionId(icid), rdBase, valid);

    public static Mapti Mapti(uint device, uint eventId, uint intId, ushort icid) => new(new DeviceId(device), new EventId(eventId), new IntId(intId), new CollectionId(icid));

    public static Int Int(uint device, uint eventId) => new(new DeviceId(device), new EventId(eventId));

    public static Clear Clear(uint device, uint eventId) => new(new DeviceId(device), new EventId(eventId));

    public static Inv Inv(uint device, uint eventId) => new(new DeviceId(device), new EventId(eventId));

    public void Dispose() => _pool.Return(Qemu);
}
