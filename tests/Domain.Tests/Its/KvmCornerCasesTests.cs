using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>The 26 "corner cases emulators commonly get wrong" of spec/its.md §7, each as KVM behaves.</summary>
public sealed class KvmCornerCasesTests
{
    private const ulong ValidBit = 1UL << 63;

    private static TestVm ProgrammedBareVm(ulong cbaser)
    {
        var vm = HostBuilder.BareVm();
        vm.WriteIts(ItsRegister.CommandQueueBase, cbaser);
        vm.WriteIts(ItsRegister.TableBase0, GitsBaser.MakeFlat(GitsBaser.TypeDevice, ReadyLayout.DeviceTable, 1));
        vm.WriteIts(ItsRegister.TableBase1, GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, 1));
        return vm;
    }

    [Fact]
    [Trait("spec", "7.1")]
    public void CommandQueue_NeverStallsAndMovesCreadrPastEveryCommand_WhenCommandsFailOrCannotBeRead()
    {
        const ulong ramEnd = (ulong)DefaultMemoryMiB << 20;
        var vm = ProgrammedBareVm(GitsCbaser.Make(ramEnd - 0x1_0000, 0x2_0000)); // the queue's second half is not RAM
        vm.Accept(new WriteItsRegister(vm.Id, ItsRegister.CommandReadPointer, 0, 8, 0xFFE0, Userspace: true));
        vm.WriteIts(ItsRegister.CommandWritePointer, 0x1_0040);
        vm.WriteBytes(ramEnd - 0x20, ItsCommandCodec.Encode(Discard(1, 0)));

        var processed = vm.WriteIts(ItsRegister.Control, 1).Processed;

        Assert.Collection(processed,
            p => Assert.Equal((0xFFE0UL, ItsError.DiscardUnmappedInterrupt), (p.Offset, p.ItsError!.Value)),
            p => Assert.Equal((0x1_0000UL, "UNREADABLE", Errno.EFAULT), (p.Offset, p.Op, p.Errno!.Value)),
            p => Assert.Equal((0x1_0020UL, "UNREADABLE", Errno.EFAULT), (p.Offset, p.Op, p.Errno!.Value)));
        Assert.Equal(0x1_0040UL, vm.ReadIts(ItsRegister.CommandReadPointer)); // Stalled (bit 0) stays 0
        Assert.Equal(0x8000_0001UL, vm.ReadIts(ItsRegister.Control));
    }

    [Fact]
    [Trait("spec", "7.2")]
    public void Quiescent_IsCreadrEqualsCwriter_EvenWhileTheItsIsDisabled()
    {
        var vm = ProgrammedBareVm(GitsCbaser.Make(0x1_0000, 0x1000));
        Assert.Equal(0x8000_0000UL, vm.ReadIts(ItsRegister.Control));
        vm.Run(new Sync(0));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.Control));
        vm.EnableIts();
        Assert.Equal(0x8000_0001UL, vm.ReadIts(ItsRegister.Control));
    }

    [Fact]
    [Trait("spec", "7.3")]
    public void Enable_IsIgnored_WhenNoTableOrQueueWasProgrammed()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x8000_0000UL, vm.WriteIts(ItsRegister.Control, 1).Value);
        Assert.False(vm.Its.Enabled);
    }

    [Fact]
    [Trait("spec", "7.4")]
    public void Cbaser_ResetsCwriterToo_AndACwriterBeyondTheQueueIsDiscarded()
    {
        var vm = HostBuilder.ReadyVm(); // 64 KiB queue
        vm.DisableIts();
        vm.Run(new Sync(0));
        Assert.Equal(0x20UL, vm.ReadIts(ItsRegister.CommandWritePointer));

        vm.WriteIts(ItsRegister.CommandQueueBase, vm.Its.Cbaser.Raw);
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandWritePointer));

        vm.WriteIts(ItsRegister.CommandWritePointer, 0x1_0000);
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandWritePointer));
    }

    [Fact]
    [Trait("spec", "7.5")]
    public void Baser_ChangeWithValidStillSetWipesItsTable_ButAnIdenticalRewriteWipesNothing()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var baser1 = vm.ReadIts(ItsRegister.TableBase1);

        vm.WriteIts(ItsRegister.TableBase1, baser1);
        Assert.Equal(2, vm.Its.Collections.Count);

        vm.WriteIts(ItsRegister.TableBase1, baser1 + 0x1_0000); // moved by 64 KiB, Valid still 1
        Assert.Empty(vm.Its.Collections);
        Assert.All(vm.Its.Devices[1].Ites.Values, ite => Assert.Null(ite.Collection));
        Assert.Equal(3, vm.Lpis.Count);

        vm.WriteIts(ItsRegister.TableBase0, vm.ReadIts(ItsRegister.TableBase0) + 1); // one more page
        Assert.Empty(vm.Its.Devices);
        Assert.Equal(0, vm.Lpis.Count);
    }

    [Fact]
    [Trait("spec", "7.6")]
    public void Mapti_IsASilentNoOpThatKeepsTheOldMapping_WhenTheEventIsAlreadyMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        var before = vm.Snapshot();

        Assert.Equal(CommandStatus.Ok, vm.RunOne(Map(1, 0, 8300, 1)).Status);

        Assert.Equal(before, vm.Snapshot());
        Assert.Null(vm.Lpis.Find(8300));
    }

    [Fact]
    [Trait("spec", "7.7")]
    public void Mapd_DropsEveryIteOfTheDevice_WhenRemappingItEvenWithTheSameItt()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(MapDevice(1));

        Assert.Empty(vm.Its.Devices[1].Ites);
        Assert.Equal(0, vm.Lpis.Count);
        Assert.Equal(CommandStatus.Error, vm.RunOne(Int(1, 0)).Status);
    }

    [Fact]
    [Trait("spec", "7.8")]
    public void Mapti_CreatesAnUnmappedCollection_WhichIsSavedAsRdbaseAllOnesAndRetargetedByALaterMapc()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(Map(1, 3, 8195, 7));

        Assert.Null(vm.Its.Collections[7].Target);
        Assert.Null(vm.Lpi(8195).TargetVcpu);
        Assert.Equal(ItsError.IntUnmappedInterrupt, vm.RunOne(Int(1, 3)).ItsError);
        Assert.Equal(ItsError.IntUnmappedInterrupt, vm.Msi(1, 3).ItsError);

        vm.Save();
        Assert.Equal(0x8000_FFFF_FFFF_0007UL, vm.ReadU64(ReadyLayout.CollectionTable + 16));

        vm.RunOk(MapCollection(7, 2), Int(1, 3));
        Assert.Equal(2u, vm.Lpi(8195).TargetVcpu);
        Assert.True(vm.Lpi(8195).Pending);
    }

    [Fact]
    [Trait("spec", "7.9")]
    public void MapcV0_OrphansItesThatKeepTheirLpiTargetAndPendingState_AndCannotBeDiscardedOrReattached()
    {
        var vm = HostBuilder.PopulatedVm(); // 8192 pending on vCPU 0

        vm.RunOk(UnmapCollection(0));

        var ite = vm.Its.Devices[1].Ites[0];
        Assert.Null(ite.Collection);
        Assert.Equal(0u, vm.Lpi(8192).TargetVcpu);
        Assert.True(vm.Lpi(8192).Pending);
        Assert.Equal(ItsError.IntUnmappedInterrupt, vm.RunOne(Int(1, 0)).ItsError);
        Assert.Equal(ItsError.IntUnmappedInterrupt, vm.Msi(1, 0).ItsError);
        Assert.Equal(ItsError.MoviUnmappedCollection, vm.RunOne(Movi(1, 0, 1)).ItsError);
        Assert.Equal(ItsError.DiscardUnmappedInterrupt, vm.RunOne(Discard(1, 0)).ItsError);
        vm.SetLpi(8192, enabled: true, priority: 0x10);
        vm.RunOk(Inv(1, 0), Clear(1, 0));
        Assert.Equal(0x10, vm.Lpi(8192).Priority);
        Assert.False(vm.Lpi(8192).Pending);

        vm.RunOk(MapCollection(0, 3));
        Assert.Null(vm.Its.Devices[1].Ites[0].Collection);
        Assert.Equal(0u, vm.Lpi(8192).TargetVcpu);

        vm.WriteU64(IteAddress(1, 0), 0x1234);
        vm.Save();
        Assert.Equal(0UL, vm.ReadU64(IteAddress(1, 0)));
    }

    [Fact]
    [Trait("spec", "7.10")]
    public void Mapc_TakesRdbaseAsTheVcpuIdFromBits47To16Only()
    {
        var vm = HostBuilder.ReadyVm(vcpus: 18);

        vm.RunOk(new Mapc(new CollectionId(3), 0xF_0000_0011, true)); // RDbase[51:48] set, [47:16] = 17

        Assert.Equal(17u, vm.Its.Collections[3].Target);
        Assert.Equal(17UL, (vm.ReadRd(17, RedistributorRegister.Type) >> 8) & 0xFFFF);
        Assert.Equal(ItsError.MapcProcnumOor, vm.RunOne(new Mapc(new CollectionId(4), 18, true)).ItsError);
        Assert.Equal(ItsError.MapcProcnumOor, vm.RunOne(new Mapc(new CollectionId(4), 0x1_0001, true)).ItsError); // all 32 bits count
    }

    [Fact]
    [Trait("spec", "7.11")]
    public void Movall_RetargetsEveryLpiOfTheVmToRdbase2_WhateverItsTargetAndLeavesCollections()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7)); // no target at all

        vm.RunOk(new Movall(2, 3)); // nothing targets vCPU 2

        Assert.All(vm.Lpis.Lpis, lpi => Assert.Equal(3u, lpi.TargetVcpu));
        Assert.Equal(0u, vm.Its.Collections[0].Target);
        Assert.Equal(1u, vm.Its.Collections[1].Target);
        Assert.Null(vm.Its.Collections[7].Target);

        var before = vm.Snapshot();
        vm.RunOk(new Movall(1, 1));
        Assert.Equal(before, vm.Snapshot());

        vm.RunOk(MapCollection(0, 0)); // a later MAPC re-derives the targets of its ITEs
        Assert.Equal(0u, vm.Lpi(8192).TargetVcpu);
        Assert.Equal(3u, vm.Lpi(8193).TargetVcpu);
    }

    [Fact]
    [Trait("spec", "7.12")]
    public void Discard_NeedsAMappedCollection_AndThenZeroesTheIteInGuestMemory()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Map(1, 3, 8195, 7));
        vm.WriteU64(IteAddress(1, 3), 0x1234);
        vm.WriteU64(IteAddress(1, 1), 0x1234);

        Assert.Equal(ItsError.DiscardUnmappedInterrupt, vm.RunOne(Discard(1, 3)).ItsError);
        Assert.Equal(0x1234UL, vm.ReadU64(IteAddress(1, 3)));

        vm.RunOk(Discard(1, 1));
        Assert.Equal(0UL, vm.ReadU64(IteAddress(1, 1)));
        Assert.False(vm.Its.Devices[1].Ites.ContainsKey(1));
    }

    [Fact]
    [Trait("spec", "7.13")]
    public void Int_OnALpiDisabledInThePropertyTable_StaysLatchedAndFiresAfterEnableAndInv()
    {
        var vm = HostBuilder.ReadyVm();
        vm.SetLpi(8192, enabled: false, priority: 0x20);
        vm.RunOk(MapDevice(1), MapCollection(0, 0), Map(1, 0, 8192, 0), Int(1, 0));
        vm.Load(0, 0);
        Assert.True(vm.Lpi(8192).Pending);
        Assert.Null(vm.Ack(0));

        vm.SetLpi(8192, enabled: true, priority: 0x20);
        vm.RunOk(Inv(1, 0));

        Assert.Equal(8192u, vm.Ack(0));
    }

    [Fact]
    [Trait("spec", "7.14")]
    public void PropertyChanges_AreInvisibleUntilInvalidated_AndInvallCoversEveryLpiTargetingTheVcpu()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(MapCollection(2, 0), Map(1, 5, 8197, 2), new Movall(1, 0)); // 8193 now targets vCPU 0 through collection 1
        foreach (var intId in new uint[] { 8192, 8193, 8194, 8197 })
        {
            vm.SetLpi(intId, enabled: true, priority: 0x10);
        }

        vm.RunOk(new Sync(0), Int(1, 1));
        Assert.All(vm.Lpis.Lpis, lpi => Assert.Equal(0xA0, lpi.Priority));

        vm.RunOk(Invall(0));

        Assert.All(vm.Lpis.Lpis, lpi => Assert.Equal(0x10, lpi.Priority));
    }

    [Fact]
    [Trait("spec", "7.15")]
    public void Msi_IsDroppedNotLatched_WhenTheTargetHasEnableLpisClear()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(1, false);

        Assert.Equal(Errno.EBUSY, vm.Msi(1, 1).Errno);
        Assert.Equal(Errno.EBUSY, vm.RunOne(Int(1, 1)).Errno);

        Assert.False(vm.Lpi(8193).Pending);
        vm.SetEnableLpis(1, true);
        Assert.False(vm.Lpi(8193).Pending);
    }

    [Fact]
    [Trait("spec", "7.16")]
    public void Mapti_ChecksTheIntidAgainstTheVmWidePropbaserIdBitsAtCommandTime()
    {
        var vm = ProgrammedBareVm(GitsCbaser.Make(0x1_0000, 0x1000));
        vm.EnableIts();
        vm.RunOk(MapDevice(1), MapCollection(0, 0));

        Assert.Equal(ItsError.MaptiPhysicalIdOor, vm.RunOne(Map(1, 0, 8192, 0)).ItsError); // IDbits 0 after reset

        vm.WriteRd(2, RedistributorRegister.PropertyBase, 0x40_0000 | 13); // 14 ID bits, written through vCPU 2
        vm.RunOk(Map(1, 0, 16383, 0));
        Assert.Equal(ItsError.MaptiPhysicalIdOor, vm.RunOne(Map(1, 1, 16384, 0)).ItsError);
    }

    [Fact]
    [Trait("spec", "7.17")]
    public void TwoItesMappingOneIntid_ShareOneLpiThatKeepsItsFirstTargetAndDiesWithTheLastIte()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(MapDevice(2), Map(2, 7, 8192, 1));

        var lpi = vm.Lpi(8192);
        Assert.Same(lpi, vm.Its.Devices[2].Ites[7].Lpi);
        Assert.Equal(0u, lpi.TargetVcpu);
        Assert.Equal(2, lpi.References);

        vm.RunOk(Discard(1, 0));
        Assert.True(vm.Lpi(8192).Pending);
        vm.RunOk(UnmapDevice(2));
        Assert.Null(vm.Lpis.Find(8192));
    }

    [Fact]
    [Trait("spec", "7.18")]
    public void IttPlacement_IsValidatedLazilyByMapti_AndAnInvalidL1EntryMakesTheDeviceIdOutOfRange()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(new Mapd(new DeviceId(1), 4, 0x000F_FFFF_FFFF_FF00, true), MapCollection(0, 0));
        Assert.True(vm.Its.Devices.ContainsKey(1));
        Assert.Equal(ItsError.MaptiIdOor, vm.RunOne(Map(1, 0, 8192, 0)).ItsError);

        const ulong l1 = 0x10_0000;
        var indirect = HostBuilder.ReadyVmWithTables(
            GitsBaser.MakeFlat(GitsBaser.TypeDevice, l1, 1) | (1UL << 62),
            GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, 1));
        Assert.Equal(ItsError.MapdDeviceOor, indirect.RunOne(MapDevice(5)).ItsError);
        indirect.WriteU64(l1, ValidBit | 0x40_0000);
        indirect.RunOk(MapDevice(5));
        Assert.Equal(ItsError.MapdDeviceOor, indirect.RunOne(MapDevice(8192)).ItsError);
        indirect.WriteU64(l1 + 8, ValidBit | 0x7FFF_0000_0000); // an L2 page outside guest RAM
        Assert.Equal(ItsError.MapdDeviceOor, indirect.RunOne(MapDevice(8192)).ItsError);
    }

    [Fact]
    [Trait("spec", "7.19")]
    public void CollectionTable_CannotBeIndirect_AndPagesAreAlways64KiBWith8ByteEntries()
    {
        var vm = HostBuilder.BareVm();
        var value = vm.WriteIts(ItsRegister.TableBase1, (1UL << 62) | (1UL << 8) | (3UL << 48) | 0x18_0000).Value;
        Assert.Equal(0UL, value & (1UL << 62));
        Assert.Equal(2UL, (value >> 8) & 3);
        Assert.Equal(7UL, (value >> 48) & 0x1F);
        Assert.Equal(7UL, (vm.ReadIts(ItsRegister.Type) >> 4) & 0xF); // 8-byte ITEs
    }

    [Fact]
    [Trait("spec", "7.20")]
    public void Sync_IsANoOp_AndGuestWritesToGitsTranslaterAreIgnored()
    {
        var vm = HostBuilder.PopulatedVm();
        var before = vm.Snapshot();

        vm.RunOk(new Sync(1 << 16));
        var translater = vm.Accept(new WriteItsRegister(vm.Id, (ItsRegister)0x10040, 0, 4, 1));

        Assert.Equal(0UL, translater.Value);
        Assert.Empty(vm.LastEvents);
        Assert.False(ItsRegisters.TryFind("GITS_TRANSLATER", out _, out _));
        Assert.Equal(before, vm.Snapshot());
        Assert.Equal(Errno.ENXIO, vm.Refuse(new WriteItsRegister(vm.Id, (ItsRegister)0x10040, 0, 8, 1, Userspace: true)).Errno);
    }

    [Fact]
    [Trait("spec", "7.21")]
    public void Doorbell_IsMatchedByTheWhole128KiBItsFrame_NotOnlyByGitsTranslater()
    {
        var its = HostBuilder.ReadyVm().Its;
        Assert.True(its.ContainsDoorbell(its.BaseAddress));
        Assert.True(its.ContainsDoorbell(its.BaseAddress + 0x10040));
        Assert.True(its.ContainsDoorbell(its.BaseAddress + 0x1_FFFC));
        Assert.False(its.ContainsDoorbell(its.BaseAddress + 0x2_0000));
    }

    [Fact]
    [Trait("spec", "7.22")]
    public void ClearingEnableLpis_EmptiesTheListFlushesCachesKeepsLatches_AndReenableImportsOnlyWithPtzZero()
    {
        var vm = HostBuilder.PopulatedVm(); // 8192 pending and queued on vCPU 0, ready PENDBASER has PTZ = 1
        vm.Load(0, 0);

        vm.SetEnableLpis(0, false);
        Assert.True(vm.Lpi(8192).Pending);
        Assert.False(vm.Lpi(8192).Queued);
        Assert.Equal(0, vm.Its.Cache.Count);
        Assert.Null(vm.Ack(0));

        vm.SetEnableLpis(0, true); // PTZ = 1: latch kept, nothing imported
        Assert.True(vm.Lpi(8192).Pending);

        vm.SetEnableLpis(0, false);
        vm.WriteRd(0, RedistributorRegister.PendingBase, ReadyLayout.PendingTable(0)); // PTZ = 0
        vm.SetPendingBit(0, 8194, true);
        vm.SetEnableLpis(0, true);
        Assert.False(vm.Lpi(8192).Pending, "the clear table bit overwrote the latch");
        Assert.True(vm.Lpi(8194).Pending);
        Assert.Equal(8194u, vm.Ack(0));
    }

    [Fact]
    [Trait("spec", "7.23")]
    public void PropbaserAndPendbaser_IgnoreWritesWhileThatVcpuHasEnableLpis_AndPtzReadsZero()
    {
        var vm = HostBuilder.ReadyVm();
        var propBaser = vm.ReadRd(0, RedistributorRegister.PropertyBase);
        var pendBaser = vm.ReadRd(0, RedistributorRegister.PendingBase);

        vm.WriteRd(0, RedistributorRegister.PropertyBase, 0);
        vm.WriteRd(0, RedistributorRegister.PendingBase, 0);

        Assert.Equal(propBaser, vm.ReadRd(0, RedistributorRegister.PropertyBase));
        Assert.Equal(pendBaser, vm.ReadRd(0, RedistributorRegister.PendingBase));
        Assert.Equal(0UL, pendBaser & (1UL << 62));
        Assert.NotEqual(0UL, vm.Vm.Redistributors[0].PendBaser & (1UL << 62));
    }

    [Fact]
    [Trait("spec", "7.24")]
    public void PendingState_ReachesGuestMemoryOnlyThroughSave_AndIsConsumedWhenAnLpiIsCreated()
    {
        var vm = HostBuilder.PopulatedVm(); // 8192 pending
        Assert.False(vm.PendingBit(0, 8192));

        vm.Save();
        Assert.True(vm.PendingBit(0, 8192));

        vm.RunOk(MapDevice(1)); // frees every ITE of device 1 and their LPIs
        Assert.Null(vm.Lpis.Find(8192));
        Assert.True(vm.PendingBit(0, 8192));

        vm.RunOk(Map(1, 0, 8192, 0));
        Assert.True(vm.Lpi(8192).Pending);
        Assert.False(vm.PendingBit(0, 8192));
    }

    [Fact]
    [Trait("spec", "7.25")]
    public void Restore_FollowsNextOffsetsAndZeroEntries_SoStaleEntriesOnTheChainComeBackAndOthersDoNot()
    {
        var vm = HostBuilder.ReadyVm();
        vm.DisableIts();
        var ct = ReadyLayout.CollectionTable;
        vm.WriteU64(ct, ValidBit | 0);                         // ICID 0 -> vCPU 0
        vm.WriteU64(ct + 16, ValidBit | (1UL << 16) | 1);      // after the V=0 terminator: ignored
        vm.WriteU64(vm.DteAddress(1), 0x8000_0000_0022_0004 | (2UL << 49)); // next = 2
        vm.WriteU64(vm.DteAddress(3), 0x8000_0000_0026_0004);  // stale but on the chain; next = 0 ends the scan
        vm.WriteU64(vm.DteAddress(5), 0x8000_0000_002A_0004);  // after the end: ignored
        vm.WriteU64(IteAddress(1, 1), 8193UL << 16);           // event 0 invalid (pINTID 0): scan goes on linearly
        vm.WriteU64(IteAddress(1, 4), 8196UL << 16);           // after event 1's next = 0: ignored
        vm.WriteU64(IteAddress(3, 0), 8194UL << 16);

        Assert.True(vm.Restore().Accepted);

        Assert.Equal([1u, 3u], vm.Its.Devices.Keys);
        Assert.Equal([1u], vm.Its.Devices[1].Ites.Keys);
        Assert.Equal(8193u, vm.Its.Devices[1].Ites[1].Lpi.IntId.Value);
        Assert.Equal(8194u, vm.Its.Devices[3].Ites[0].Lpi.IntId.Value);
        Assert.Equal([(ushort)0], vm.Its.Collections.Keys);
    }

    public static TheoryData<string> VCommands() => new(["VMAPP", "VMAPTI", "VMAPI", "VMOVI", "VMOVP", "VSYNC", "VINVALL", "VSGI", "INVDB"]);

    [Theory]
    [Trait("spec", "7.26")]
    [MemberData(nameof(VCommands))]
    public void GicV4Commands_AreIgnored_BecauseTyperVirtualIsZero(string mnemonic)
    {
        ItsCommand command = mnemonic switch
        {
            "VMAPP" => new Vmapp(1, 0, true, 0x50_0000, 15, false, false, 0, 0),
            "VMAPTI" => new Vmapti(new DeviceId(1), new EventId(3), 1, new IntId(8300), 1023),
            "VMAPI" => new Vmapi(new DeviceId(1), new EventId(8300), 1, 1023),
            "VMOVI" => new Vmovi(new DeviceId(1), new EventId(0), 1, false, 0),
            "VMOVP" => new Vmovp(0, 0, 1, 2, false, 0),
            "VSYNC" => new Vsync(1),
            "VINVALL" => new Vinvall(1),
            "VSGI" => new Vsgi(1, 3, 4, true, false, true),
            _ => new Invdb(1),
        };
        var vm = HostBuilder.PopulatedVm();
        var before = vm.Snapshot();
        var creadr = vm.ReadIts(ItsRegister.CommandReadPointer);

        var result = vm.RunOne(command);

        Assert.Equal((mnemonic, CommandStatus.Ignored, Errno.ENODEV), (result.Op, result.Status, result.Errno!.Value));
        Assert.Equal(before, vm.Snapshot());
        Assert.Equal(creadr + 0x20, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.Type) & 0b10);
    }
}
