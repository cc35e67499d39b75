using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Hosts;

/// <summary>The host aggregate's handling of inputs: refusals, event sequencing, the command-queue input.</summary>
public sealed class HostTests
{
    [Fact]
    public void Create_PublishesHostCreatedWithSeqOne_AndCreateVmContinuesTheSequence()
    {
        var host = Host.Create(new HostConfiguration("h9", 2, GicVersion.V4_1), out var created);
        var e = Assert.IsType<HostCreated>(Assert.Single(created));
        Assert.Equal((1L, "h9", "v4.1", 2), (e.Seq, e.HostId, e.GicVersion, e.Pcpus));

        var applied = host.Apply(new CreateVm(null, 2, 8, VmSetup.Bare));

        Assert.Equal("vm1", applied.Result);
        var vmCreated = Assert.IsType<VmCreated>(applied.Events[0]);
        Assert.Equal((2L, "vm1", "bare"), (vmCreated.Seq, vmCreated.VmId, vmCreated.Setup));
        Assert.Equal(Enumerable.Range(2, applied.Events.Count).Select(i => (long)i), applied.Events.Select(e => e.Seq));
        Assert.Equal(applied.Events[^1].Seq, host.LastSeq);
    }

    [Fact]
    public void Create_Throws_WhenTheConfigurationIsInvalid()
    {
        var error = Assert.Throws<ArgumentException>(() => Host.Create(new HostConfiguration("h1", 0, GicVersion.V4_0), out _));
        Assert.Contains("pcpus", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 32)]
    [InlineData(513, 32)]
    [InlineData(4, 0)]
    [InlineData(4, 2)]
    public void CreateVm_IsRefused_WhenVcpusOrMemoryAreOutOfRange(int vcpus, int memoryMiB)
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(RejectionKind.Unprocessable, vm.Refuse(new CreateVm("vm2", vcpus, memoryMiB, VmSetup.Ready)).Kind);
        Assert.Single(vm.Host.Vms);
    }

    [Fact]
    public void CreateVm_IsRefused_WhenTheIdIsTaken()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(RejectionKind.Conflict, vm.Refuse(new CreateVm(vm.Id, 1, 32, VmSetup.Bare)).Kind);
    }

    [Fact]
    public void ReadySetup_ProgramsTheQueueTablesPropbaserPendbasersEnableLpisAndTheIts()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(0x8000_0001UL, vm.ReadIts(ItsRegister.Control));
        Assert.Equal(ReadyLayout.CommandQueue, vm.Its.Cbaser.Address);
        Assert.Equal(ReadyLayout.CommandQueueBytes, vm.Its.Cbaser.QueueBytes);
        Assert.Equal((ReadyLayout.DeviceTable, 8UL, false), (vm.Its.DeviceBaser.Address, vm.Its.DeviceBaser.Pages, vm.Its.DeviceBaser.Indirect));
        Assert.Equal((ReadyLayout.CollectionTable, 8UL), (vm.Its.CollectionBaser.Address, vm.Its.CollectionBaser.Pages));
        Assert.Equal(ReadyLayout.PropertyTable, vm.Lpis.PropertyTableAddress);
        Assert.Equal(0x1_0000u, vm.Lpis.LpiLimit);
        Assert.All(vm.Vm.Redistributors, rd => Assert.True(rd.EnableLpis));
        Assert.All(vm.Vm.Redistributors, rd => Assert.Equal(ReadyLayout.PendingTable(rd.VcpuId), rd.PendingTableAddress));
        Assert.Equal(0xA3, vm.ReadByte(ReadyLayout.PropertyTable));
        Assert.Equal(0xA3, vm.ReadByte(ReadyLayout.PropertyTable + 0xFFFF - 8192));
    }

    [Fact]
    public void ProcessItsCommands_IsRefused_WhenTheGuestHasNoCommandQueue()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(RejectionKind.Conflict, vm.Refuse(new ProcessItsCommands(vm.Id, [new QueuedCommand(new Sync(0), null)])).Kind);
    }

    [Fact]
    public void ProcessItsCommands_IsRefusedAndQueuesNothing_WhenTheQueueHasNoRoom()
    {
        var vm = HostBuilder.ReadyVm();
        vm.DisableIts();
        vm.Run(Enumerable.Repeat<ItsCommand>(new Sync(0), 2000).ToArray());
        var cwriter = vm.ReadIts(ItsRegister.CommandWritePointer);

        vm.Refuse(new ProcessItsCommands(vm.Id, Enumerable.Repeat(new QueuedCommand(new Sync(0), null), 48).ToList()));

        Assert.Equal(cwriter, vm.ReadIts(ItsRegister.CommandWritePointer));
        Assert.Equal(47UL, vm.Its.FreeSlots);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(31)]
    [InlineData(33)]
    public void ProcessItsCommands_IsRefusedAndChangesNothing_WhenAQueuedCommandIsMalformed(int rawLength)
    {
        var vm = HostBuilder.ReadyVm();
        var before = vm.Snapshot();
        var malformed = rawLength < 0 ? new QueuedCommand(null, null) : new QueuedCommand(null, new byte[rawLength]);

        vm.Refuse(new ProcessItsCommands(vm.Id, [new QueuedCommand(MapDevice(1), null), malformed]));

        Assert.Equal(before, vm.Snapshot());
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandWritePointer));
    }

    [Fact]
    public void ProcessItsCommands_RunsRawCommandsAsTheGuestQueuedThem()
    {
        var vm = HostBuilder.ReadyVm();
        var mapd = Convert.FromHexString("0800000001000000" + "0400000000000000" + "0000100100000080" + "0000000000000000");

        var result = vm.RunRaw(mapd);

        Assert.Equal("MAPD", Assert.Single(result.Results).Op);
        Assert.Equal(0x110_0000UL, vm.Its.Devices[1].IttAddress);
        Assert.Equal(5, vm.Its.Devices[1].EventIdBits);
    }

    [Fact]
    public void ProcessItsCommands_PlacesAnIttForAStructuredMapdThatAsksForOne()
    {
        var vm = HostBuilder.ReadyVm();
        var result = vm.Accept(new ProcessItsCommands(vm.Id,
            [new QueuedCommand(new Mapd(new DeviceId(3), 9, 0, true), null, AllocateItt: true), new QueuedCommand(MapCollection(0, 0), null)]));

        Assert.All(result.Results, r => Assert.Equal(CommandStatus.Ok, r.Status));
        var itt = vm.Its.Devices[3].IttAddress;
        Assert.Equal(0UL, itt % 256);
        Assert.True(itt >= ReadyLayout.End(4) && itt + (1UL << 10) * 8 <= (ulong)DefaultMemoryMiB << 20);
        vm.RunOk(Map(3, 1023, 8192, 0));
    }

    [Fact]
    public void WriteGuestMemory_IsRefused_WhenItLeavesGuestRam()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(RejectionKind.Unprocessable, vm.Refuse(new WriteGuestMemory(vm.Id, ((ulong)DefaultMemoryMiB << 20) - 4, new byte[8])).Kind);
    }

    [Fact]
    public void SetLpiConfig_IsRefused_WhenTheIntidIsNotAnLpi()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(RejectionKind.Unprocessable, vm.Refuse(new SetLpiConfig(vm.Id, 8191, true, 0)).Kind);
    }

    [Fact]
    public void Inputs_AreRefusedWithoutEvents_WhenTheVmOrVcpuDoesNotExist()
    {
        var vm = HostBuilder.ReadyVm();
        var seq = vm.Host.LastSeq;
        Assert.Equal(RejectionKind.NotFound, vm.Refuse(new SignalMsi("vm9", 0, 0)).Kind);
        Assert.Equal(RejectionKind.NotFound, vm.Refuse(new LoadVcpu(vm.Id, 4, 0)).Kind);
        Assert.Equal(RejectionKind.NotFound, vm.Refuse(new WriteItsRegister("vm9", ItsRegister.Control, 0, 4, 0)).Kind);
        Assert.Equal(seq, vm.Host.LastSeq);
    }

    [Fact]
    public void Events_CarryGapFreeSequenceNumbersAcrossInputs()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Int(1, 1), Discard(1, 0));
        vm.Refuse(new AcknowledgeInterrupt(vm.Id, 0));
        vm.Load(0, 0);
        vm.Ack(0);

        Assert.Equal(Enumerable.Range(1, vm.Events.Count).Select(i => (long)i), vm.Events.Select(e => e.Seq));
        Assert.All(vm.Events, e => Assert.Equal(HostBuilder.HostId, e.HostId));
        Assert.Equal(vm.Events.Count, vm.Host.LastSeq);
    }

    [Fact]
    public void DeleteVm_FreesItsPcpus()
    {
        var vm = HostBuilder.ReadyVm();
        vm.Load(1, 2);
        vm.Accept(new DeleteVm(vm.Id));
        Assert.Empty(vm.Host.Vms);
        Assert.Null(vm.Host.Pcpus[2]);
    }
}
