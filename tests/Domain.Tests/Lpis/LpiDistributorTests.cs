using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Lpis;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Lpis;

/// <summary>LPI configuration, pending state and acknowledge as KVM keeps them (spec/its.md §3.2, §4).</summary>
public sealed class LpiDistributorTests
{
    /// <summary>A ready VM with device 1 mapped and collections 0 -> vCPU 0, 1 -> vCPU 1.</summary>
    private static TestVm VmWithDevice()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapDevice(2), MapCollection(0, 0), MapCollection(1, 1));
        return vm;
    }

    // ------------------------------------------------------------------ the property byte

    [Fact]
    public void Lpi_TakesPriorityAndEnableFromThePropertyByte_WhenCreated()
    {
        var vm = VmWithDevice();
        vm.SetLpi(8200, enabled: false, priority: 0x44);
        vm.RunOk(Map(1, 0, 8200, 0));
        Assert.False(vm.Lpi(8200).Enabled);
        Assert.Equal(0x44, vm.Lpi(8200).Priority);
    }

    [Fact]
    public void Lpi_KeepsOnlyPriorityBits7To2_WhenThePropertyByteHasLowBitsSet()
    {
        var vm = VmWithDevice();
        vm.WriteBytes(ReadyLayout.PropertyTable + (8201 - 8192), [0xFF]);
        vm.RunOk(Map(1, 0, 8201, 0));
        Assert.Equal(0xFC, vm.Lpi(8201).Priority);
        Assert.True(vm.Lpi(8201).Enabled);
        Assert.Equal(0xFC, new LpiProperty(0xFF).Priority);
        Assert.Equal(0x43, LpiProperty.From(true, 0x42).Raw);
    }

    [Fact]
    public void Lpi_IgnoresPropertyTableChanges_UntilAnInvalidation()
    {
        var vm = VmWithDevice();
        vm.RunOk(Map(1, 0, 8200, 0));
        vm.SetLpi(8200, enabled: false, priority: 0x10);

        vm.RunOk(Int(1, 0), MapCollection(0, 0), new GicService.Domain.Its.Commands.Sync(0));
        Assert.True(vm.Msi(1, 0).Pending);

        Assert.True(vm.Lpi(8200).Enabled);
        Assert.Equal(0xA0, vm.Lpi(8200).Priority);
        vm.Load(0, 0);
        Assert.Equal(8200u, vm.Ack(0));
    }

    [Fact]
    public void Lpi_LatchesWhileDisabledAndFiresAfterEnableAndInv_WhenTriggered()
    {
        var vm = VmWithDevice();
        vm.SetLpi(8200, enabled: false, priority: 0x80);
        vm.RunOk(Map(1, 0, 8200, 0));
        vm.Load(0, 0);

        Assert.True(vm.Msi(1, 0).Pending);
        Assert.True(vm.Lpi(8200).Pending);
        Assert.Null(vm.Ack(0));

        vm.SetLpi(8200, enabled: true, priority: 0x80);
        Assert.Null(vm.Ack(0));

        vm.RunOk(Inv(1, 0));
        Assert.Equal(8200u, vm.Ack(0));
        Assert.False(vm.Lpi(8200).Pending);
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void Lpi_FiresAfterEnableAndInvall_WhenLatchedWhileDisabled()
    {
        var vm = VmWithDevice();
        vm.SetLpi(8200, enabled: false, priority: 0x80);
        vm.RunOk(Map(1, 0, 8200, 0), Int(1, 0));
        vm.SetLpi(8200, enabled: true, priority: 0x80);
        vm.RunOk(Invall(0));
        vm.Load(0, 0);
        Assert.Equal(8200u, vm.Ack(0));
    }

    // ------------------------------------------------------------------ pending state

    [Fact]
    public void Msi_IsDroppedNotLatched_WhileTheTargetHasEnableLpisClear()
    {
        var vm = VmWithDevice();
        vm.RunOk(Map(1, 0, 8200, 0));
        vm.SetEnableLpis(0, false);

        var outcome = vm.Msi(1, 0);

        Assert.False(outcome.Pending);
        Assert.Equal(Errno.EBUSY, outcome.Errno);
        Assert.False(vm.Lpi(8200).Pending);
        var dropped = Assert.IsType<MsiDropped>(Assert.Single(vm.LastEvents));
        Assert.Equal((1u, 0u, Errno.EBUSY), (dropped.DeviceId, dropped.EventId, dropped.Errno!.Value));

        vm.SetEnableLpis(0, true);
        vm.Load(0, 0);
        Assert.False(vm.Lpi(8200).Pending);
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void Lpi_IsSharedByTwoEventsMappingOneIntid_AndTheSecondMappingDoesNotRetargetIt()
    {
        var vm = VmWithDevice();
        vm.RunOk(Map(1, 0, 8200, 0), Map(2, 5, 8200, 1));

        var lpi = vm.Lpi(8200);
        Assert.Same(lpi, vm.Its.Devices[1].Ites[0].Lpi);
        Assert.Same(lpi, vm.Its.Devices[2].Ites[5].Lpi);
        Assert.Equal(2, lpi.References);
        Assert.Equal(0u, lpi.TargetVcpu);
        Assert.Equal(1, vm.Lpis.Count);

        Assert.True(vm.Msi(2, 5).Pending);
        Assert.True(vm.Msi(1, 0).Pending);
        Assert.True(Assert.IsType<LpiPending>(Assert.Single(vm.LastEvents)).Coalesced);
        vm.Load(0, 0);
        Assert.Equal(8200u, vm.Ack(0));
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void Lpi_SurvivesWithItsPendingStateUntilItsLastIteIsDiscarded_WhenShared()
    {
        var vm = VmWithDevice();
        vm.RunOk(Map(1, 0, 8200, 0), Map(2, 5, 8200, 1), Int(1, 0));

        vm.RunOk(Discard(1, 0));
        Assert.Equal(1, vm.Lpi(8200).References);
        Assert.True(vm.Lpi(8200).Pending);
        Assert.DoesNotContain(vm.LastEvents, e => e is PendingDropped);

        vm.RunOk(Discard(2, 5));
        Assert.Null(vm.Lpis.Find(8200));
        Assert.Equal(8200u, Assert.Single(vm.LastEvents.OfType<PendingDropped>()).IntId);
    }

    // ------------------------------------------------------------------ acknowledge

    [Fact]
    public void Acknowledge_TakesLowerPriorityValuesFirstAndTiesInIntidOrder()
    {
        var vm = VmWithDevice();
        vm.SetLpi(8192, enabled: true, priority: 0x80);
        vm.SetLpi(8193, enabled: true, priority: 0x40);
        vm.SetLpi(8194, enabled: true, priority: 0x40);
        vm.SetLpi(8195, enabled: true, priority: 0xF0);
        vm.RunOk(Map(1, 0, 8192, 0), Map(1, 1, 8193, 0), Map(1, 2, 8194, 0), Map(1, 3, 8195, 0));
        vm.RunOk(Int(1, 3), Int(1, 2), Int(1, 0), Int(1, 1));
        vm.Load(0, 0);

        var taken = new List<uint?> { vm.Ack(0), vm.Ack(0), vm.Ack(0), vm.Ack(0), vm.Ack(0) };

        Assert.Equal([8193u, 8194u, 8192u, 8195u, null], taken);
    }

    [Fact]
    public void Acknowledge_PublishesTheInterruptWithItsPriority_WhenOneIsTaken()
    {
        var vm = VmWithDevice();
        vm.SetLpi(8192, enabled: true, priority: 0x64);
        vm.RunOk(Map(1, 0, 8192, 0), Int(1, 0));
        vm.Load(0, 5);

        var acknowledged = vm.Accept(new AcknowledgeInterrupt(vm.Id, 0));

        Assert.Equal(new Acknowledged(8192, InterruptSource.Lpi), acknowledged);
        var e = Assert.IsType<InterruptAcknowledged>(Assert.Single(vm.LastEvents));
        Assert.Equal((0u, 5u, 8192u, (byte)0x64), (e.Vcpu, e.Pcpu!.Value, e.IntId, e.Priority));
    }

    [Fact]
    public void Acknowledge_ReturnsNothingAndPublishesNothing_WhenNothingIsPending()
    {
        var vm = VmWithDevice();
        vm.Load(0, 0);
        Assert.Equal(new Acknowledged(null, null), vm.Accept(new AcknowledgeInterrupt(vm.Id, 0)));
        Assert.Empty(vm.LastEvents);
    }

    [Fact]
    public void Acknowledge_IgnoresLpisOfOtherVcpusAndDisabledLpis()
    {
        var vm = VmWithDevice();
        vm.SetLpi(8193, enabled: false, priority: 0);
        vm.RunOk(Map(1, 0, 8192, 1), Map(1, 1, 8193, 0), Int(1, 0), Int(1, 1));
        vm.Load(0, 0);
        Assert.Null(vm.Ack(0));
        vm.Load(1, 1);
        Assert.Equal(8192u, vm.Ack(1));
    }

    [Fact]
    public void Acknowledge_IsRefused_WhenTheVcpuIsNotRunning()
    {
        var vm = VmWithDevice();
        vm.RunOk(Map(1, 0, 8192, 0), Int(1, 0));

        Assert.Equal(RejectionKind.Conflict, vm.Refuse(new AcknowledgeInterrupt(vm.Id, 0)).Kind);

        vm.Load(0, 0);
        vm.Accept(new BlockVcpu(vm.Id, 0));
        Assert.Equal(RejectionKind.Conflict, vm.Refuse(new AcknowledgeInterrupt(vm.Id, 0)).Kind);
        Assert.True(vm.Lpi(8192).Pending);

        vm.Accept(new UnblockVcpu(vm.Id, 0));
        Assert.Equal(8192u, vm.Ack(0));
    }
}
