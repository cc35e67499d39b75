using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>SAVE_TABLES, RESTORE_TABLES and CTRL_RESET in KVM's table ABI revision 0 (spec/its.md §5).</summary>
public sealed class VirtualItsTablesTests
{
    private const ulong Junk = 0x5A5A_5A5A_5A5A_5A5A;
    private const ulong DeviceTable = ReadyLayout.DeviceTable;
    private const ulong CollectionTable = ReadyLayout.CollectionTable;

    private static ulong Cte(int index) => CollectionTable + (ulong)index * 8;

    /// <summary>The device, ITE, collection and LPI lines of the snapshot: what a save/restore round trip must keep.</summary>
    private static string Logical(TestVm vm) =>
        string.Join('\n', vm.Snapshot().Split('\n').Where(l => l.StartsWith("device", StringComparison.Ordinal)
            || l.StartsWith("  ite", StringComparison.Ordinal) || l.StartsWith("collection", StringComparison.Ordinal)
            || l.StartsWith("lpi", StringComparison.Ordinal)));

    /// <summary>Save, CTRL_RESET, the VMM's register restore (CBASER, BASER0/1), RESTORE_TABLES, GITS_CTLR (§5.3's order).</summary>
    private static void SaveResetRestore(TestVm vm)
    {
        var (cbaser, baser0, baser1) = (vm.Its.Cbaser.Raw, vm.Its.DeviceBaser.Raw, vm.Its.CollectionBaser.Raw);
        vm.Save();
        vm.ResetIts();
        Assert.Empty(vm.Its.Devices);
        Assert.Equal(0, vm.Lpis.Count);
        vm.ReprogramAfterReset(cbaser, baser0, baser1);
        var restored = vm.Restore();
        Assert.True(restored.Accepted, restored.Rejection?.Detail);
        vm.EnableIts();
    }

    // ------------------------------------------------------------------ SAVE_TABLES: entry encodings (§5.1, §5.2)

    [Fact]
    public void Save_WritesEachDteWithValidNextOffsetIttAddressAndSize()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1, eventIdBits: 5), MapDevice(5, eventIdBits: 8));

        vm.Save();

        // ITT 0x110_0000 >> 8 = 0x11000 at [48:5] = 0x22_0000; next = 4 at [62:49]; Size 4.
        Assert.Equal(0x8008_0000_0022_0004UL, vm.ReadU64(vm.DteAddress(1)));
        // ITT 0x150_0000 -> 0x2A_0000; last device: next 0; Size 7.
        Assert.Equal(0x8000_0000_002A_0007UL, vm.ReadU64(vm.DteAddress(5)));
        Assert.Equal(0UL, vm.ReadU64(vm.DteAddress(2)));
    }

    [Fact]
    public void Save_CapsTheDteNextOffsetAt16383_WhenDevicesAreFartherApart()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapDevice(20000));

        vm.Save();

        Assert.Equal(0xFFFE_0000_0022_0004UL, vm.ReadU64(vm.DteAddress(1)));
        Assert.Equal(0x8000_0000_0020_0004UL, vm.ReadU64(vm.DteAddress(20000)));
    }

    [Fact]
    public void Save_WritesEachIteWithNextOffsetPintidAndIcid()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapCollection(0, 0), MapCollection(1, 1), Map(1, 10, 8194, 0), Map(1, 0, 8192, 0), Map(1, 3, 8193, 1));

        vm.Save();

        Assert.Equal(0x0003_0000_2000_0000UL, vm.ReadU64(IteAddress(1, 0)));
        Assert.Equal(0x0007_0000_2001_0001UL, vm.ReadU64(IteAddress(1, 3)));
        Assert.Equal(0x0000_0000_2002_0000UL, vm.ReadU64(IteAddress(1, 10)));
    }

    [Fact]
    public void Save_WritesAnOrphanedIteAsZeroAndTheChainSkipsIt_WhenItsCollectionWasUnmapped()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapCollection(0, 0), MapCollection(1, 1), Map(1, 0, 8192, 0), Map(1, 2, 8193, 1), Map(1, 5, 8194, 0), UnmapCollection(1));
        vm.WriteU64(IteAddress(1, 2), Junk);

        vm.Save();

        Assert.Equal(0x0005_0000_2000_0000UL, vm.ReadU64(IteAddress(1, 0)));
        Assert.Equal(0UL, vm.ReadU64(IteAddress(1, 2)));
        Assert.Equal(0x0000_0000_2002_0000UL, vm.ReadU64(IteAddress(1, 5)));
    }

    [Fact]
    public void Save_WritesCtesPackedFromTheTableStartThenOneZeroTerminator()
    {
        var vm = HostBuilder.ReadyVm();
        for (var i = 0; i < 5; i++)
        {
            vm.WriteU64(Cte(i), Junk);
        }

        vm.RunOk(MapDevice(1), MapCollection(0, 0), MapCollection(1, 1), Map(1, 0, 8192, 7));

        vm.Save();

        Assert.Equal(0x8000_0000_0000_0000UL, vm.ReadU64(Cte(0)));
        Assert.Equal(0x8000_0000_0001_0001UL, vm.ReadU64(Cte(1)));
        Assert.Equal(0x8000_FFFF_FFFF_0007UL, vm.ReadU64(Cte(2))); // created by MAPTI, never mapped
        Assert.Equal(0UL, vm.ReadU64(Cte(3)));
        Assert.Equal(Junk, vm.ReadU64(Cte(4)));
    }

    [Fact]
    public void Save_WritesOnlyTheTerminator_WhenThereAreNoCollections()
    {
        var vm = HostBuilder.ReadyVm();
        vm.WriteU64(Cte(0), Junk);
        vm.WriteU64(Cte(1), Junk);

        vm.Save();

        Assert.Equal(0UL, vm.ReadU64(Cte(0)));
        Assert.Equal(Junk, vm.ReadU64(Cte(1)));
    }

    [Fact]
    public void Save_WritesNoTerminator_WhenTheCollectionTableIsFull()
    {
        var vm = HostBuilder.ReadyVm();
        vm.DisableIts();
        vm.WriteIts(ItsRegister.TableBase1, GitsBaser.MakeFlat(GitsBaser.TypeCollection, CollectionTable, 1));
        vm.EnableIts();
        var commands = Enumerable.Range(0, 8192).Select(i => (ItsCommand)MapCollection((ushort)i, (uint)i % 4)).ToList();
        for (var i = 0; i < commands.Count; i += 1000)
        {
            vm.RunOk(commands.Skip(i).Take(1000).ToArray());
        }

        vm.WriteU64(CollectionTable + 0x1_0000, Junk);

        vm.Save();

        Assert.Equal(0x8000_0000_0003_1FFFUL, vm.ReadU64(CollectionTable + 0xFFF8));
        Assert.Equal(Junk, vm.ReadU64(CollectionTable + 0x1_0000));
    }

    [Fact]
    public void Save_WritesThePendingStateOfTargetedLpisAndSkipsLpisWithoutATarget()
    {
        var vm = HostBuilder.PopulatedVm(); // 8192 pending on vCPU 0
        vm.RunOk(Map(1, 3, 8195, 7), Map(1, 4, 8195, 1), Int(1, 4)); // 8195 pending, no target
        Assert.True(vm.Lpi(8195).Pending);
        Assert.Null(vm.Lpi(8195).TargetVcpu);
        vm.SetPendingBit(0, 8194, true);  // stale: 8194 is not pending
        vm.SetPendingBit(1, 8195, true);  // untouched: 8195 has no target

        vm.Save();

        Assert.True(vm.PendingBit(0, 8192));
        Assert.False(vm.PendingBit(0, 8194));
        Assert.False(vm.PendingBit(1, 8193));
        Assert.True(vm.PendingBit(1, 8195));
        Assert.Equal("save", Assert.IsType<ItsTablesOperation>(Assert.Single(vm.LastEvents)).Operation);
    }

    [Fact]
    public void Save_SkipsADeviceWhoseDteSlotFailsCheckId_AndTheDteChainSkipsItToo()
    {
        var vm = IndirectVm();
        vm.WriteU64(0x41_0000, Junk);
        vm.WriteU64(0x81_0000, Junk);
        vm.WriteU64(L1Table + 8, 0); // the guest drops the L2 page of devices 8192-16383

        vm.Save();

        // 8190 -> next device that passes check_id is 16384: 8194 at [62:49]; ITT 0x80_0000 -> 0x10_0000.
        Assert.Equal(0xC004_0000_0010_0004UL, vm.ReadU64(0x40_0000 + 8190 * 8));
        Assert.Equal(0x8000_0000_0010_4004UL, vm.ReadU64(0x42_0000));
        Assert.Equal(Junk, vm.ReadU64(0x41_0000));
        Assert.Equal(Junk, vm.ReadU64(0x81_0000));
        Assert.Equal(0x0000_0000_2002_0000UL, vm.ReadU64(0x82_0000));
    }

    [Fact]
    public void Save_WritesNoTable_WhenBothBasersAreInvalid()
    {
        var vm = HostBuilder.ReadyVm();
        vm.ResetIts();
        vm.WriteU64(Cte(0), Junk);
        vm.WriteU64(vm.DteAddress(0), Junk);
        var before = vm.Snapshot();

        vm.Save();

        Assert.Equal(before, vm.Snapshot());
        Assert.Equal(Junk, vm.ReadU64(Cte(0)));
    }

    // ------------------------------------------------------------------ round trips

    private const ulong L1Table = 0x10_0000;

    /// <summary>
    /// A ready VM with an indirect device table (L1 at 0x10_0000; L2 pages 0x40_0000, 0x41_0000, 0x42_0000 for
    /// DeviceIDs 0-8191, 8192-16383, 16384-24575) and devices 8190, 8192, 16384 mapping 8192, 8193, 8194.
    /// </summary>
    private static TestVm IndirectVm()
    {
        var vm = HostBuilder.ReadyVmWithTables(
            GitsBaser.MakeFlat(GitsBaser.TypeDevice, L1Table, 1) | (1UL << 62),
            GitsBaser.MakeFlat(GitsBaser.TypeCollection, CollectionTable, 1));
        Assert.True(vm.Its.DeviceBaser.Indirect);
        for (var i = 0UL; i < 3; i++)
        {
            vm.WriteU64(L1Table + i * 8, (1UL << 63) | (0x40_0000 + i * 0x1_0000));
        }

        vm.RunOk(
            new Mapd(new DeviceId(8190), 4, 0x80_0000, true),
            new Mapd(new DeviceId(8192), 4, 0x81_0000, true),
            new Mapd(new DeviceId(16384), 4, 0x82_0000, true),
            MapCollection(0, 0),
            MapCollection(1, 2),
            Map(8190, 0, 8192, 0),
            Map(8192, 0, 8193, 1),
            Map(16384, 0, 8194, 0));
        return vm;
    }

    [Fact]
    public void RestoreTables_RebuildsDevicesItesCollectionsAndPendingLpis_AfterSaveAndReset()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetLpi(8300, enabled: false, priority: 0x18);
        vm.RunOk(
            MapDevice(2, eventIdBits: 9),
            Map(2, 0, 8300, 7),     // unmapped collection 7
            Map(2, 3, 8192, 1),     // shares 8192 with (1,0)
            Map(2, 300, 8301, 1),
            Int(2, 300));
        var before = Logical(vm);
        Assert.Contains("pending=True", before, StringComparison.Ordinal);

        SaveResetRestore(vm);

        Assert.Equal(before, Logical(vm));
        Assert.False(vm.PendingBit(0, 8192), "restore consumes the saved pending bit");
        Assert.Single(vm.Events, e => e is ItsTablesOperation { Operation: "restore" });
        Assert.True(vm.Msi(1, 1).Pending);
        vm.Load(0, 0);
        Assert.Equal(8192u, vm.Ack(0));
    }

    [Fact]
    public void RestoreTables_FollowsTheCappedDteChain_WhenDevicesAreFartherApartThan16383()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapDevice(20000), MapCollection(0, 0), Map(20000, 4, 9000, 0));
        var before = Logical(vm);

        SaveResetRestore(vm);

        Assert.Equal(before, Logical(vm));
    }

    [Fact]
    public void RestoreTables_WalksTheLevel1Table_WhenTheDeviceTableIsIndirect()
    {
        var vm = IndirectVm();
        vm.RunOk(Int(8192, 0));
        var before = Logical(vm);

        SaveResetRestore(vm);

        Assert.Equal(before, Logical(vm));
        Assert.True(vm.Lpi(8193).Pending);
    }

    // ------------------------------------------------------------------ RESTORE_TABLES errors (§5.3)

    /// <summary>A ready VM with an empty, disabled ITS; its tables in RAM are what the test writes.</summary>
    private static TestVm EmptyVm(ulong? baser1 = null)
    {
        var vm = baser1 is { } b
            ? HostBuilder.ReadyVmWithTables(GitsBaser.MakeFlat(GitsBaser.TypeDevice, DeviceTable, ReadyLayout.TablePages), b)
            : HostBuilder.ReadyVm();
        vm.DisableIts();
        return vm;
    }

    private static void AssertRestoreFailsAndChangesNothing(TestVm vm, Errno expected)
    {
        var before = vm.Snapshot();
        var applied = vm.Restore();
        Assert.False(applied.Accepted);
        Assert.Equal(expected, applied.Rejection!.Errno);
        Assert.Empty(applied.Events);
        Assert.Equal(before, vm.Snapshot());
        Assert.Empty(vm.Its.Devices);
        Assert.Empty(vm.Its.Collections);
        Assert.Equal(0, vm.Lpis.Count);
    }

    private const ulong ValidDte1 = 0x8000_0000_0022_0004; // device 1: ITT Itt(1), 32 events, last
    private const ulong Cte0OnVcpu0 = 0x8000_0000_0000_0000;

    [Fact]
    public void RestoreTables_FailsWithEinvalAndChangesNothing_WhenACteTargetsAMissingVcpu()
    {
        var vm = EmptyVm();
        vm.WriteU64(Cte(0), 0x8000_0000_0009_0003);
        AssertRestoreFailsAndChangesNothing(vm, Errno.EINVAL);
    }

    [Fact]
    public void RestoreTables_FailsWithEexistAndChangesNothing_WhenTwoCtesNameTheSameIcid()
    {
        var vm = EmptyVm();
        vm.WriteU64(Cte(0), 0x8000_0000_0000_0003);
        vm.WriteU64(Cte(1), 0x8000_0000_0001_0003);
        AssertRestoreFailsAndChangesNothing(vm, Errno.EEXIST);
    }

    [Fact]
    public void RestoreTables_FailsWithEinvalAndChangesNothing_WhenACteIcidIsBeyondTheCollectionTable()
    {
        var vm = EmptyVm(GitsBaser.MakeFlat(GitsBaser.TypeCollection, CollectionTable, 1));
        vm.WriteU64(Cte(0), Cte0OnVcpu0);
        vm.WriteU64(Cte(1), 0x8000_0000_0000_0000 | 9000);
        AssertRestoreFailsAndChangesNothing(vm, Errno.EINVAL);
    }

    [Fact]
    public void RestoreTables_FailsWithEinvalAndRestoresNoCollection_WhenADteSizeExceeds16Bits()
    {
        var vm = EmptyVm();
        vm.WriteU64(Cte(0), Cte0OnVcpu0);
        vm.WriteU64(vm.DteAddress(1), (ValidDte1 & ~0x1FUL) | 16);
        AssertRestoreFailsAndChangesNothing(vm, Errno.EINVAL);
    }

    [Fact]
    public void RestoreTables_FailsWithEinvalAndChangesNothing_WhenAnIteHoldsAnIntidBelow8192()
    {
        var vm = EmptyVm();
        vm.WriteU64(Cte(0), Cte0OnVcpu0);
        vm.WriteU64(vm.DteAddress(1), ValidDte1);
        vm.WriteU64(IteAddress(1, 0), 100UL << 16);
        AssertRestoreFailsAndChangesNothing(vm, Errno.EINVAL);
    }

    [Fact]
    public void RestoreTables_FailsWithEinvalAndChangesNothing_WhenAnItesNextOffsetLeavesTheItt()
    {
        var vm = EmptyVm();
        vm.WriteU64(Cte(0), Cte0OnVcpu0);
        vm.WriteU64(vm.DteAddress(1), ValidDte1);
        vm.WriteU64(IteAddress(1, 0), (32UL << 48) | (8192UL << 16));
        AssertRestoreFailsAndChangesNothing(vm, Errno.EINVAL);
    }

    [Fact]
    public void RestoreTables_FailsWithEinvalAndKeepsPendingBits_WhenALaterIteNamesAnUnrestoredCollection()
    {
        var vm = EmptyVm();
        vm.WriteU64(Cte(0), Cte0OnVcpu0);
        vm.WriteU64(vm.DteAddress(1), ValidDte1 | (1UL << 49));
        vm.WriteU64(IteAddress(1, 0), 8192UL << 16);
        vm.WriteU64(vm.DteAddress(2), 0x8000_0000_0024_0004); // device 2, ITT Itt(2)
        vm.WriteU64(IteAddress(2, 0), (8193UL << 16) | 5);    // ICID 5 was never in the collection table
        vm.SetPendingBit(0, 8192, true);

        AssertRestoreFailsAndChangesNothing(vm, Errno.EINVAL);

        Assert.True(vm.PendingBit(0, 8192));
    }

    // ------------------------------------------------------------------ CTRL_RESET (§5.4)

    [Fact]
    public void ResetIts_LeavesKvmsResetState()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(new Sync(0));
        var (baser0, baser1) = (vm.ReadIts(ItsRegister.TableBase0), vm.ReadIts(ItsRegister.TableBase1));

        vm.ResetIts();

        Assert.Equal(0x8000_0000UL, vm.ReadIts(ItsRegister.Control));
        Assert.Equal(baser0 & ~(1UL << 63), vm.ReadIts(ItsRegister.TableBase0));
        Assert.Equal(baser1 & ~(1UL << 63), vm.ReadIts(ItsRegister.TableBase1));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandQueueBase));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandWritePointer));
        Assert.Equal(0x4B00_043BUL, vm.ReadIts(ItsRegister.ImplementerId));
        Assert.Empty(vm.Its.Devices);
        Assert.Empty(vm.Its.Collections);
        Assert.Equal(0, vm.Lpis.Count);
        Assert.Equal(0, vm.Its.Cache.Count);
        Assert.Collection(vm.LastEvents,
            e => Assert.Equal(8192u, Assert.IsType<PendingDropped>(e).IntId),
            e => Assert.Equal("reset", Assert.IsType<ItsTablesOperation>(e).Operation));
        Assert.True(vm.Vm.Redistributors[0].EnableLpis, "CTRL_RESET concerns the ITS only");
    }

    [Fact]
    public void ItsTableOperations_AreRefused_WhenTheVmDoesNotExist()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(RejectionKind.NotFound, vm.Refuse(new Inputs.SaveItsTables("nope")).Kind);
        Assert.Equal(RejectionKind.NotFound, vm.Refuse(new Inputs.RestoreItsTables("nope")).Kind);
        Assert.Equal(RejectionKind.NotFound, vm.Refuse(new Inputs.ResetIts("nope")).Kind);
    }
}
