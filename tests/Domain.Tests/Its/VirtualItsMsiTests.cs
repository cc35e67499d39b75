using GicService.Domain.Events;
using GicService.Domain.Its;
using GicService.Domain.Tests.Hosts;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>The software MSI path, KVM_SIGNAL_MSI into the VM's ITS (spec/its.md §6).</summary>
public sealed class VirtualItsMsiTests
{
    private static void AssertDropped(TestVm vm, uint deviceId, uint eventId, ItsError? error, Errno? errno)
    {
        var before = vm.Snapshot();
        var outcome = vm.Msi(deviceId, eventId);
        Assert.False(outcome.Pending);
        Assert.Null(outcome.IntId);
        Assert.Equal(error, outcome.ItsError);
        Assert.Equal(errno, outcome.Errno);
        var dropped = Assert.IsType<MsiDropped>(Assert.Single(vm.LastEvents));
        Assert.Equal((deviceId, eventId, error, errno), (dropped.DeviceId, dropped.EventId, dropped.ItsError, dropped.Errno));
        Assert.Equal(before, vm.Snapshot());
    }

    [Fact]
    public void Msi_MakesTheLpiPendingOnItsTargetAndCachesTheTranslation_WhenTheTranslationResolves()
    {
        var vm = HostBuilder.PopulatedVm();

        var outcome = vm.Msi(1, 1);

        Assert.True(outcome.Pending);
        Assert.Equal((8193u, 1u), (outcome.IntId!.Value, outcome.Vcpu!.Value));
        Assert.True(vm.Lpi(8193).Pending);
        Assert.Contains(vm.Its.Cache.Entries, e => (e.DeviceId, e.EventId) == (1u, 1u) && ReferenceEquals(e.Lpi, vm.Lpi(8193)));
        var pending = Assert.IsType<LpiPending>(Assert.Single(vm.LastEvents));
        Assert.Equal(("MSI", 1u, 8193u, 1u, 1u), (pending.Reason, pending.Vcpu!.Value, pending.IntId, pending.DeviceId!.Value, pending.EventId!.Value));
    }

    [Fact]
    public void Msi_IsDroppedWithEbusy_WhenTheItsIsDisabled()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        AssertDropped(vm, 1, 1, null, Errno.EBUSY);
    }

    [Fact]
    public void Msi_IsDroppedWithIntUnmappedInterrupt_WhenTheDeviceIsNotMapped()
    {
        AssertDropped(HostBuilder.PopulatedVm(), 9, 0, ItsError.IntUnmappedInterrupt, null);
    }

    [Fact]
    public void Msi_IsDroppedWithIntUnmappedInterrupt_WhenTheEventHasNoIte()
    {
        AssertDropped(HostBuilder.PopulatedVm(), 1, 9, ItsError.IntUnmappedInterrupt, null);
    }

    [Fact]
    public void Msi_IsDroppedWithIntUnmappedInterrupt_WhenTheCollectionIsUnmapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(UnmapCollection(1));
        AssertDropped(vm, 1, 1, ItsError.IntUnmappedInterrupt, null);
    }

    [Fact]
    public void Msi_IsDroppedWithIntUnmappedInterrupt_WhenTheDeviceAndEventIdsExceed16Bits()
    {
        AssertDropped(HostBuilder.PopulatedVm(), 0x1_0001, 0x1_0000, ItsError.IntUnmappedInterrupt, null);
    }

    [Fact]
    public void Msi_IsDroppedWithEbusy_WhenTheTargetHasEnableLpisClear()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(1, false);
        AssertDropped(vm, 1, 1, null, Errno.EBUSY);
    }

    [Fact]
    public void Msi_IsRefused_WhenTheVmDoesNotExist()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.Refuse(new Inputs.SignalMsi("nope", 1, 0));
    }

    [Fact]
    public void Msi_TakesTheCachedTranslation_WhenTheSameDeviceAndEventSignalAgain()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.Load(0, 0);
        Assert.Equal(8192u, vm.Ack(0));

        var outcome = vm.Msi(1, 0);

        Assert.True(outcome.Pending);
        Assert.Equal(1, vm.Its.Cache.Count);
        Assert.Equal(8192u, vm.Ack(0));
    }

    [Fact]
    public void Translate_ReportsWhatAnMsiWouldBecome_WithoutInjectingIt()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7), UnmapCollection(1));
        var before = vm.Snapshot();

        Assert.Equal(new Translation(new IntId(8194), new CollectionId(0), 0, 0), vm.Its.Translate(1, 2));
        Assert.Equal(new Translation(new IntId(8195), new CollectionId(7), null, null), vm.Its.Translate(1, 3));
        Assert.Equal(new Translation(new IntId(8193), null, null, 1), vm.Its.Translate(1, 1));
        Assert.Null(vm.Its.Translate(1, 4));
        Assert.Equal(before, vm.Snapshot());
    }

    [Fact]
    public void ContainsDoorbell_SelectsTheItsForAnyAddressInItsFrame()
    {
        var its = HostBuilder.ReadyVm().Its;
        Assert.True(its.ContainsDoorbell(its.BaseAddress));
        Assert.True(its.ContainsDoorbell(its.TranslaterAddress));
        Assert.Equal(its.BaseAddress + 0x10040, its.TranslaterAddress);
        Assert.True(its.ContainsDoorbell(its.BaseAddress + 0x1_FFFF));
        Assert.False(its.ContainsDoorbell(its.BaseAddress + 0x2_0000));
        Assert.False(its.ContainsDoorbell(its.BaseAddress - 1));
    }
}
