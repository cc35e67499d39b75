using GicService.Domain.Events;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Tests.Hosts;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>
/// Every architected command error of spec/its.md §3.1: the command reports it, changes nothing (devices,
/// collections, ITEs, LPIs with their pending state, the cache, guest tables), and the queue goes on.
/// </summary>
public sealed class VirtualItsCommandErrorsTests
{
    /// <summary>
    /// Runs <paramref name="command"/> followed by a SYNC and asserts the command failed with
    /// <paramref name="expected"/>, that nothing changed, that CREADR moved past both, and that the SYNC ran.
    /// </summary>
    private static void AssertFailsAndChangesNothing(TestVm vm, ItsCommand command, ItsError expected)
    {
        var before = vm.Snapshot();
        var creadr = vm.ReadIts(ItsRegister.CommandReadPointer);

        var results = vm.Run(command, new Sync(0)).Results;

        Assert.Equal(2, results.Count);
        Assert.Equal(CommandStatus.Error, results[0].Status);
        Assert.Equal(expected, results[0].ItsError);
        Assert.Null(results[0].Errno);
        Assert.Equal(CommandStatus.Ok, results[1].Status);
        Assert.Equal(before, vm.Snapshot());
        Assert.Equal(creadr + 64, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(0x8000_0001UL, vm.ReadIts(ItsRegister.Control));
        var error = Assert.Single(vm.LastEvents.OfType<ItsCommandError>());
        Assert.Equal(expected, error.ItsError);
        Assert.Equal(creadr, error.Offset);
        Assert.Equal(command.Mnemonic, error.Op);
    }

    // ------------------------------------------------------------------ MOVI

    [Fact]
    public void Movi_ReportsUnmappedInterruptAndChangesNothing_WhenNoIteExists()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Movi(1, 5, 1), ItsError.MoviUnmappedInterrupt);
    }

    [Fact]
    public void Movi_ReportsUnmappedCollectionAndChangesNothing_WhenTheTargetIcidIsUnknown()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Movi(1, 0, 9), ItsError.MoviUnmappedCollection);
    }

    [Fact]
    public void Movi_ReportsUnmappedCollectionAndChangesNothing_WhenTheTargetCollectionWasNeverMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7)); // creates collection 7, unmapped
        AssertFailsAndChangesNothing(vm, Movi(1, 0, 7), ItsError.MoviUnmappedCollection);
    }

    [Fact]
    public void Movi_ReportsUnmappedCollectionAndChangesNothing_WhenTheItesOwnCollectionIsUnmapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(UnmapCollection(1));
        AssertFailsAndChangesNothing(vm, Movi(1, 1, 0), ItsError.MoviUnmappedCollection);
    }

    // ------------------------------------------------------------------ INT

    [Fact]
    public void Int_ReportsUnmappedInterruptAndChangesNothing_WhenNoIteExists()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Int(1, 5), ItsError.IntUnmappedInterrupt);
    }

    [Fact]
    public void Int_ReportsUnmappedInterruptAndChangesNothing_WhenTheCollectionIsUnmapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7));
        AssertFailsAndChangesNothing(vm, Int(1, 3), ItsError.IntUnmappedInterrupt);
    }

    [Fact]
    public void Int_FailsWithEbusyAndLatchesNothing_WhenTheTargetHasEnableLpisClear()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(1, false);
        var before = vm.Snapshot();

        var result = vm.RunOne(Int(1, 1));

        Assert.Equal(CommandStatus.Error, result.Status);
        Assert.Equal(Errno.EBUSY, result.Errno);
        Assert.Null(result.ItsError);
        Assert.False(vm.Lpi(8193).Pending);
        Assert.Equal(before, vm.Snapshot());
        Assert.Contains(vm.LastEvents, e => e is MsiDropped { Errno: Errno.EBUSY });
    }

    // ------------------------------------------------------------------ CLEAR

    [Fact]
    public void Clear_ReportsUnmappedInterruptAndChangesNothing_WhenNoIteExists()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Clear(1, 5), ItsError.ClearUnmappedInterrupt);
    }

    [Fact]
    public void Clear_ReportsUnmappedInterruptAndChangesNothing_WhenTheDeviceIsNotMapped()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Clear(2, 0), ItsError.ClearUnmappedInterrupt);
    }

    // ------------------------------------------------------------------ MAPD

    [Fact]
    public void Mapd_ReportsDeviceOorAndChangesNothing_WhenTheDeviceIdExceeds16Bits()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), MapDevice(0x1_0000), ItsError.MapdDeviceOor);
    }

    [Fact]
    public void Mapd_ReportsDeviceOorAndChangesNothing_WhenValidIsClearAndTheDeviceIdIsOutOfRange()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), UnmapDevice(0x1_0001), ItsError.MapdDeviceOor);
    }

    [Fact]
    public void Mapd_ReportsDeviceOorAndChangesNothing_WhenTheDeviceIdIsBeyondTheFlatTable()
    {
        var vm = HostBuilder.ReadyVmWithTables(
            GitsBaser.MakeFlat(GitsBaser.TypeDevice, 0x10_0000, 1), // 8192 DTEs
            GitsBaser.MakeFlat(GitsBaser.TypeCollection, 0x18_0000, 1));
        vm.RunOk(MapDevice(8191));
        AssertFailsAndChangesNothing(vm, MapDevice(8192), ItsError.MapdDeviceOor);
    }

    [Fact]
    public void Mapd_ReportsIttSizeOorAndChangesNothing_WhenSizePlusOneExceeds16()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), new Mapd(new DeviceId(2), 16, Itt(2), true), ItsError.MapdIttSizeOor);
    }

    [Fact]
    public void Mapd_ReportsIttSizeOorAndKeepsTheDevice_WhenRemappingAMappedDeviceWithATooLargeSize()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), new Mapd(new DeviceId(1), 31, Itt(1), true), ItsError.MapdIttSizeOor);
    }

    // ------------------------------------------------------------------ MAPC

    [Fact]
    public void Mapc_ReportsProcnumOorAndChangesNothing_WhenNoVcpuHasThatId()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), MapCollection(2, 4), ItsError.MapcProcnumOor);
    }

    [Fact]
    public void Mapc_ReportsProcnumOorAndKeepsTheOldTarget_WhenRetargetingToAMissingVcpu()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), MapCollection(0, 0xFFFF_FFFF), ItsError.MapcProcnumOor);
    }

    [Fact]
    public void Mapc_ReportsCollectionOorAndChangesNothing_WhenTheIcidIsBeyondTheCollectionTable()
    {
        var vm = HostBuilder.ReadyVmWithTables(
            GitsBaser.MakeFlat(GitsBaser.TypeDevice, 0x10_0000, 1),
            GitsBaser.MakeFlat(GitsBaser.TypeCollection, 0x18_0000, 1)); // 8192 CTEs
        vm.RunOk(MapCollection(8191, 0));
        AssertFailsAndChangesNothing(vm, MapCollection(8192, 0), ItsError.MapcCollectionOor);
    }

    // ------------------------------------------------------------------ MAPTI / MAPI

    [Fact]
    public void Mapti_ReportsUnmappedDeviceAndChangesNothing_WhenTheDeviceIsNotMapped()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Map(2, 0, 8200, 0), ItsError.MaptiUnmappedDevice);
    }

    [Fact]
    public void Mapti_ReportsIdOorAndChangesNothing_WhenTheEventIdExceedsTheDevicesSize()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Map(1, 32, 8200, 0), ItsError.MaptiIdOor);
    }

    [Fact]
    public void Mapti_ReportsIdOorAndChangesNothing_WhenTheIteAddressIsOutsideGuestRam()
    {
        var vm = HostBuilder.PopulatedVm();
        var ramEnd = (ulong)TestVm.DefaultMemoryMiB << 20;
        vm.RunOk(new Mapd(new DeviceId(3), 7, ramEnd - 0x100, true)); // 256 events, only 32 ITEs' worth of RAM
        vm.RunOk(Map(3, 31, 8300, 0)); // the last ITE inside RAM
        AssertFailsAndChangesNothing(vm, Map(3, 32, 8301, 0), ItsError.MaptiIdOor);
    }

    [Fact]
    public void Mapti_ReportsPhysicalIdOorAndChangesNothing_WhenTheIntidIsBelow8192()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Map(1, 3, 8191, 0), ItsError.MaptiPhysicalIdOor);
    }

    [Fact]
    public void Mapti_ReportsPhysicalIdOorAndChangesNothing_WhenTheIntidIsBeyondPropbaserIdBits()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Map(1, 3, 0x1_0000, 0), ItsError.MaptiPhysicalIdOor);
    }

    [Fact]
    public void Mapti_ReportsCollectionOorAndChangesNothing_WhenANewIcidIsBeyondTheCollectionTable()
    {
        var vm = HostBuilder.ReadyVmWithTables(
            GitsBaser.MakeFlat(GitsBaser.TypeDevice, 0x10_0000, 1),
            GitsBaser.MakeFlat(GitsBaser.TypeCollection, 0x18_0000, 1));
        vm.RunOk(MapDevice(1), MapCollection(0, 0), Map(1, 0, 8192, 0));
        AssertFailsAndChangesNothing(vm, Map(1, 1, 8193, 9000), ItsError.MapcCollectionOor);
    }

    [Fact]
    public void Mapi_ReportsTheMaptiPhysicalIdCode_WhenTheEventIdIsNotAnLpi()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), new Mapi(new DeviceId(1), new EventId(3), new CollectionId(0)), ItsError.MaptiPhysicalIdOor);
    }

    [Fact]
    public void Mapi_ReportsTheMaptiUnmappedDeviceCode_WhenTheDeviceIsNotMapped()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), new Mapi(new DeviceId(4), new EventId(8300), new CollectionId(0)), ItsError.MaptiUnmappedDevice);
    }

    [Fact]
    public void Mapti_FailsWithEfaultAndRollsBackItsNewCollection_WhenThePropertyByteIsOutsideGuestRam()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(3, false);
        vm.WriteRd(3, GicService.Domain.Lpis.RedistributorRegister.PropertyBase, 0x1F_0000_0000 | 15); // PROPBASER is VM-wide
        var before = vm.Snapshot();
        var creadr = vm.ReadIts(ItsRegister.CommandReadPointer);

        var result = vm.RunOne(Map(1, 5, 8300, 9));

        Assert.Equal((CommandStatus.Error, Errno.EFAULT), (result.Status, result.Errno!.Value));
        Assert.Null(result.ItsError);
        Assert.False(vm.Its.Collections.ContainsKey(9));
        Assert.Equal(before, vm.Snapshot());
        Assert.Equal(creadr + 32, vm.ReadIts(ItsRegister.CommandReadPointer));
    }

    // ------------------------------------------------------------------ INV, INVALL

    [Fact]
    public void Inv_ReportsUnmappedInterruptAndChangesNothing_WhenNoIteExists()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetLpi(8192, enabled: false, priority: 0); // INV of a missing ITE must not re-read anything
        AssertFailsAndChangesNothing(vm, Inv(1, 5), ItsError.InvUnmappedInterrupt);
    }

    [Fact]
    public void Invall_ReportsUnmappedCollectionAndChangesNothing_WhenTheIcidIsUnknown()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetLpi(8192, enabled: false, priority: 0);
        AssertFailsAndChangesNothing(vm, Invall(7), ItsError.InvallUnmappedCollection);
    }

    [Fact]
    public void Invall_ReportsUnmappedCollectionAndChangesNothing_WhenTheCollectionWasNeverMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7));
        AssertFailsAndChangesNothing(vm, Invall(7), ItsError.InvallUnmappedCollection);
    }

    // ------------------------------------------------------------------ MOVALL

    [Theory]
    [InlineData(0UL, 9UL)]
    [InlineData(9UL, 0UL)]
    [InlineData(4UL, 4UL)]
    public void Movall_ReportsProcnumOorAndChangesNothing_WhenEitherRdbaseIsNotAVcpu(ulong rdBase1, ulong rdBase2)
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), new Movall(rdBase1, rdBase2), ItsError.MovallProcnumOor);
    }

    // ------------------------------------------------------------------ DISCARD

    [Fact]
    public void Discard_ReportsUnmappedInterruptAndChangesNothing_WhenNoIteExists()
    {
        AssertFailsAndChangesNothing(HostBuilder.PopulatedVm(), Discard(1, 5), ItsError.DiscardUnmappedInterrupt);
    }

    [Fact]
    public void Discard_ReportsUnmappedInterruptAndChangesNothing_WhenTheItesCollectionWasNeverMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7));
        AssertFailsAndChangesNothing(vm, Discard(1, 3), ItsError.DiscardUnmappedInterrupt);
    }

    // ------------------------------------------------------------------ all fifteen

    [Fact]
    public void ItsError_ValuesAndNames_MatchTheSpecTable()
    {
        var expected = new Dictionary<string, int>
        {
            ["MOVI_UNMAPPED_INTERRUPT"] = 0x010107,
            ["MOVI_UNMAPPED_COLLECTION"] = 0x010109,
            ["INT_UNMAPPED_INTERRUPT"] = 0x010307,
            ["CLEAR_UNMAPPED_INTERRUPT"] = 0x010507,
            ["MAPD_DEVICE_OOR"] = 0x010801,
            ["MAPD_ITTSIZE_OOR"] = 0x010802,
            ["MAPC_PROCNUM_OOR"] = 0x010902,
            ["MAPC_COLLECTION_OOR"] = 0x010903,
            ["MAPTI_UNMAPPED_DEVICE"] = 0x010a04,
            ["MAPTI_ID_OOR"] = 0x010a05,
            ["MAPTI_PHYSICALID_OOR"] = 0x010a06,
            ["INV_UNMAPPED_INTERRUPT"] = 0x010c07,
            ["INVALL_UNMAPPED_COLLECTION"] = 0x010d09,
            ["MOVALL_PROCNUM_OOR"] = 0x010e01,
            ["DISCARD_UNMAPPED_INTERRUPT"] = 0x010f07,
        };

        Assert.Equal(15, ItsErrorNames.All.Count);
        Assert.Equal(expected.OrderBy(e => e.Key), ItsErrorNames.All.Select(e => new KeyValuePair<string, int>(e.Name(), (int)e)).OrderBy(e => e.Key));
        Assert.Equal("0x010a05", ItsError.MaptiIdOor.Code());
    }
}
