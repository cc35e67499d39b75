using GicService.Domain.Events;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Tests.Hosts;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>The success path of every command KVM's virtual ITS implements (spec/its.md §3.3).</summary>
public sealed class VirtualItsCommandsTests
{
    private static void AssertProcessed(FabricEvent e, string op)
    {
        var processed = Assert.IsType<ItsCommandProcessed>(e);
        Assert.Equal(op, processed.Op);
        Assert.Equal(HostBuilder.VmId, processed.VmId);
    }

    [Fact]
    public void Mapd_CreatesADeviceWithAnEmptyItt_WhenValidIsSet()
    {
        var vm = HostBuilder.ReadyVm();

        var result = vm.RunOne(new Mapd(new DeviceId(5), 7, 0x80_0000, true));

        Assert.Equal(CommandStatus.Ok, result.Status);
        Assert.Equal("MAPD", result.Op);
        var device = vm.Its.Devices[5];
        Assert.Equal(8, device.EventIdBits);
        Assert.Equal(0x80_0000UL, device.IttAddress);
        Assert.Empty(device.Ites);
        AssertProcessed(Assert.Single(vm.LastEvents), "MAPD");
    }

    [Fact]
    public void Mapd_FreesTheDeviceItsLpisAndZeroesItsDte_WhenValidIsClear()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.WriteU64(vm.DteAddress(1), 0x8000_0000_0000_1234);

        vm.RunOk(UnmapDevice(1));

        Assert.Empty(vm.Its.Devices);
        Assert.Equal(0, vm.Lpis.Count);
        Assert.Equal(0UL, vm.ReadU64(vm.DteAddress(1)));
        Assert.Equal(0, vm.Its.Cache.Count);
        Assert.Collection(vm.LastEvents,
            e => Assert.Equal(8192u, Assert.IsType<PendingDropped>(e).IntId),
            e => AssertProcessed(e, "MAPD"));
    }

    [Fact]
    public void Mapd_SucceedsAndChangesNothing_WhenValidIsClearAndTheDeviceWasNeverMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        var before = vm.Snapshot();
        vm.RunOk(UnmapDevice(9));
        Assert.Equal(before, vm.Snapshot());
    }

    [Fact]
    public void Mapc_CreatesAMappedCollection_WhenTheIcidIsNew()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapCollection(42, 3));
        var collection = vm.Its.Collections[42];
        Assert.Equal(3u, collection.Target);
        Assert.True(collection.IsMapped);
    }

    [Fact]
    public void Mapc_RetargetsTheLpisOfItsItesWithTheirPendingState_WhenTheIcidIsKnown()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(MapCollection(0, 2));

        Assert.Equal(2u, vm.Its.Collections[0].Target);
        Assert.Equal(2u, vm.Lpi(8192).TargetVcpu);
        Assert.Equal(2u, vm.Lpi(8194).TargetVcpu);
        Assert.Equal(1u, vm.Lpi(8193).TargetVcpu);
        Assert.True(vm.Lpi(8192).Pending);
        vm.Load(2, 0);
        Assert.Equal(8192u, vm.Ack(2));
    }

    [Fact]
    public void Mapc_RemovesTheCollectionAndOrphansItsItes_WhenValidIsClear()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(UnmapCollection(0));

        Assert.False(vm.Its.Collections.ContainsKey(0));
        Assert.Null(vm.Its.Devices[1].Ites[0].Collection);
        Assert.Null(vm.Its.Devices[1].Ites[2].Collection);
        Assert.Equal(0u, vm.Lpi(8192).TargetVcpu);
        Assert.True(vm.Lpi(8192).Pending);
        Assert.Equal(0, vm.Its.Cache.Count);
    }

    [Fact]
    public void Mapti_CreatesAnIteAndAnLpiFromItsPropertyByteAndPendingBit_WhenEverythingIsMapped()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapCollection(0, 0));
        vm.SetLpi(8200, enabled: false, priority: 0x40);
        vm.SetPendingBit(0, 8200, true);

        var result = vm.RunOne(Map(1, 3, 8200, 0));

        Assert.Equal(CommandStatus.Ok, result.Status);
        var ite = vm.Its.Devices[1].Ites[3];
        Assert.Same(vm.Its.Collections[0], ite.Collection);
        var lpi = vm.Lpi(8200);
        Assert.Same(lpi, ite.Lpi);
        Assert.Equal(0u, lpi.TargetVcpu);
        Assert.False(lpi.Enabled);
        Assert.Equal(0x40, lpi.Priority);
        Assert.True(lpi.Pending);
        Assert.Equal(1, lpi.References);
        Assert.False(vm.PendingBit(0, 8200), "creating the LPI consumes its pending bit");
        Assert.Collection(vm.LastEvents,
            e => Assert.Equal("pending table", Assert.IsType<LpiPending>(e).Reason),
            e => AssertProcessed(e, "MAPTI"));
    }

    [Fact]
    public void Mapi_MapsTheEventIdAsTheIntid_WhenEverythingIsMapped()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(new Mapd(new DeviceId(1), 13, Itt(1), true), MapCollection(0, 1));

        vm.RunOk(new Mapi(new DeviceId(1), new EventId(8300), new CollectionId(0)));

        Assert.Equal(8300u, vm.Its.Devices[1].Ites[8300].Lpi.IntId.Value);
        Assert.Equal(1u, vm.Lpi(8300).TargetVcpu);
    }

    [Fact]
    public void Movi_MovesTheIteAndRetargetsItsPendingLpi_WhenBothCollectionsAreMapped()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(Movi(1, 0, 1));

        Assert.Same(vm.Its.Collections[1], vm.Its.Devices[1].Ites[0].Collection);
        Assert.Equal(1u, vm.Lpi(8192).TargetVcpu);
        Assert.True(vm.Lpi(8192).Pending);
        Assert.Equal(0, vm.Its.Cache.Count);
        vm.Load(1, 0);
        Assert.Equal(8192u, vm.Ack(1));
    }

    [Fact]
    public void Int_MakesTheLpiPendingOnItsTargetAndCachesTheTranslation_WhenTheTranslationResolves()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(Int(1, 1));

        Assert.True(vm.Lpi(8193).Pending);
        Assert.Contains(vm.Its.Cache.Entries, e => e.DeviceId == 1 && e.EventId == 1 && e.Lpi.IntId.Value == 8193);
        Assert.Collection(vm.LastEvents,
            e =>
            {
                var pending = Assert.IsType<LpiPending>(e);
                Assert.Equal((1u, 8193u, 1u, 1u, false, "INT"), (pending.Vcpu!.Value, pending.IntId, pending.DeviceId!.Value, pending.EventId!.Value, pending.Coalesced, pending.Reason));
            },
            e => AssertProcessed(e, "INT"));
    }

    [Fact]
    public void Int_ChecksTheCollectionsVcpuButQueuesToTheLpisOwnTarget_AfterMovall()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(2, false);
        vm.RunOk(new Movall(0, 2)); // every LPI now targets vCPU 2; collection 0 still says vCPU 0

        vm.RunOk(Int(1, 2));
        Assert.True(vm.Lpi(8194).Pending);
        Assert.Equal(2u, Assert.IsType<LpiPending>(vm.LastEvents[0]).Vcpu);

        vm.SetEnableLpis(0, false);
        Assert.Equal(Errno.EBUSY, vm.RunOne(Int(1, 0)).Errno);
    }

    [Fact]
    public void Int_CoalescesWithThePendingState_WhenTheLpiIsAlreadyPending()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Int(1, 0));
        Assert.True(Assert.IsType<LpiPending>(vm.LastEvents[0]).Coalesced);
        vm.Load(0, 0);
        Assert.Equal(8192u, vm.Ack(0));
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void Clear_DropsThePendingLatch_WhenTheIteExists()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(Clear(1, 0));

        Assert.False(vm.Lpi(8192).Pending);
        Assert.Collection(vm.LastEvents,
            e => Assert.Equal("CLEAR", Assert.IsType<PendingDropped>(e).Reason),
            e => AssertProcessed(e, "CLEAR"));
        vm.Load(0, 0);
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void Inv_RereadsThePropertyByteOfThatLpi_WhenTheIteExists()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetLpi(8192, enabled: false, priority: 0x20);

        vm.RunOk(Inv(1, 0));

        Assert.False(vm.Lpi(8192).Enabled);
        Assert.Equal(0x20, vm.Lpi(8192).Priority);
        Assert.True(vm.Lpi(8192).Pending);
        vm.Load(0, 0);
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void Invall_RereadsEveryLpiTargetingTheCollectionsVcpu_WhenTheCollectionIsMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        foreach (var intId in new uint[] { 8192, 8193, 8194 })
        {
            vm.SetLpi(intId, enabled: true, priority: 0x20);
        }

        vm.RunOk(Invall(0));

        Assert.Equal(0x20, vm.Lpi(8192).Priority);
        Assert.Equal(0x20, vm.Lpi(8194).Priority);
        Assert.Equal(0xA0, vm.Lpi(8193).Priority);
    }

    [Fact]
    public void Movall_RetargetsEveryLpiOfTheVmAndLeavesCollectionsAlone_WhenBothVcpusExist()
    {
        var vm = HostBuilder.PopulatedVm();

        vm.RunOk(new Movall(0, 3));

        Assert.All(vm.Lpis.Lpis, lpi => Assert.Equal(3u, lpi.TargetVcpu));
        Assert.Equal(0u, vm.Its.Collections[0].Target);
        Assert.Equal(1u, vm.Its.Collections[1].Target);
        Assert.Equal(0, vm.Its.Cache.Count);
        Assert.True(vm.Lpi(8192).Pending);
    }

    [Fact]
    public void Discard_FreesTheIteAndItsLpiAndZeroesTheIteInMemory_WhenItsCollectionIsMapped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.WriteU64(IteAddress(1, 0), 0x0000_0000_2000_0000);

        vm.RunOk(Discard(1, 0));

        Assert.False(vm.Its.Devices[1].Ites.ContainsKey(0));
        Assert.Null(vm.Lpis.Find(8192));
        Assert.Equal(0UL, vm.ReadU64(IteAddress(1, 0)));
        Assert.Equal(0, vm.Its.Cache.Count);
        Assert.Collection(vm.LastEvents,
            e => Assert.Equal(8192u, Assert.IsType<PendingDropped>(e).IntId),
            e => AssertProcessed(e, "DISCARD"));
    }

    [Fact]
    public void Sync_SucceedsAndChangesNothing_BecauseCommandsCompleteSynchronously()
    {
        var vm = HostBuilder.PopulatedVm();
        var before = vm.Snapshot();
        vm.RunOk(new Sync(0), new Sync(0xF_FFFF_FFFF));
        Assert.Equal(before, vm.Snapshot());
    }

    [Fact]
    public void ProcessItsCommands_RecordsEachCommandsRawBytesAndOffset_WhenProcessed()
    {
        var vm = HostBuilder.ReadyVm();
        var mapd = MapDevice(1);

        var results = vm.Run(mapd, new Sync(0)).Results;

        Assert.Equal(ItsCommandCodec.ToHex(ItsCommandCodec.Encode(mapd)), results[0].Raw);
        Assert.Equal(0UL, results[0].Offset);
        Assert.Equal(0x20UL, results[1].Offset);
        Assert.Equal(0x40UL, vm.ReadIts(ItsRegister.CommandReadPointer));
    }
}
