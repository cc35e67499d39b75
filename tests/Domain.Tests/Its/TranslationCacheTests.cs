using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>
/// The per-ITS LPI translation cache of current KVM (spec/its.md §6): filled by successful MSIs and INT
/// commands, invalidated as a whole by exactly DISCARD, MOVI, MAPD of a mapped device, MAPC V=0, MOVALL,
/// GITS_CTLR.Enable=0, a BASERn change, CTRL_RESET and any vCPU clearing EnableLPIs.
/// </summary>
public sealed class TranslationCacheTests
{
    /// <summary>The populated VM plus device 2 event 0 -> 8300 (ICID 1), with (1,0), (1,1) and (2,0) cached.</summary>
    private static TestVm CachedVm()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(MapDevice(2), Map(2, 0, 8300, 1));
        Assert.True(vm.Msi(1, 1).Pending);
        Assert.True(vm.Msi(2, 0).Pending);
        Assert.Equal(3, vm.Its.Cache.Count);
        return vm;
    }

    private static List<(uint, uint, uint)> Entries(TestVm vm) =>
        vm.Its.Cache.Entries.Select(e => (e.DeviceId, e.EventId, e.Lpi.IntId.Value)).Order().ToList();

    /// <summary>Puts a translation in the cache while the ITS is disabled, as a concurrent injection could (vgic_mmio_write_its_baser).</summary>
    private static void PlantWhileDisabled(TestVm vm)
    {
        vm.DisableIts();
        vm.Its.Cache.Insert(1, 0, vm.Its.Devices[1].Ites[0].Lpi);
        Assert.Equal(1, vm.Its.Cache.Count);
    }

    private static readonly Dictionary<string, Action<TestVm>> Invalidating = new()
    {
        ["DISCARD of another event"] = vm => vm.RunOk(Discard(2, 0)),
        ["MOVI of another event"] = vm => vm.RunOk(Movi(2, 0, 0)),
        ["MAPD V=0 of another mapped device"] = vm => vm.RunOk(UnmapDevice(2)),
        ["MAPD V=1 remapping another mapped device"] = vm => vm.RunOk(MapDevice(2)),
        ["MAPC V=0 of a mapped collection"] = vm => vm.RunOk(UnmapCollection(1)),
        ["MAPC V=0 of an unknown ICID"] = vm => vm.RunOk(UnmapCollection(99)),
        ["MOVALL"] = vm => vm.RunOk(new Movall(0, 1)),
        ["GITS_CTLR Enable=0"] = vm => vm.DisableIts(),
        ["GITS_BASER0 change"] = vm =>
        {
            PlantWhileDisabled(vm);
            vm.WriteIts(ItsRegister.TableBase0, GitsBaser.MakeFlat(GitsBaser.TypeDevice, ReadyLayout.DeviceTable, 1));
        },
        ["GITS_BASER1 change"] = vm =>
        {
            PlantWhileDisabled(vm);
            vm.WriteIts(ItsRegister.TableBase1, GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, 1));
        },
        ["CTRL_RESET"] = vm => vm.ResetIts(),
        ["EnableLPIs cleared on a vCPU with no LPIs"] = vm => vm.SetEnableLpis(3, false),
    };

    private static readonly Dictionary<string, Action<TestVm>> Keeping = new()
    {
        ["MAPTI of a new event"] = vm => vm.RunOk(Map(2, 1, 8301, 1)),
        ["MAPI of a new event"] = vm => vm.RunOk(new Mapd(new DeviceId(3), 13, Itt(3), true), new Mapi(new DeviceId(3), new EventId(9000), new CollectionId(0))),
        ["MAPTI of a mapped event"] = vm => vm.RunOk(Map(1, 0, 8400, 1)),
        ["MAPC V=1 retarget"] = vm => vm.RunOk(MapCollection(1, 2)),
        ["MAPC V=1 of a new ICID"] = vm => vm.RunOk(MapCollection(50, 2)),
        ["MAPD V=1 of a new device"] = vm => vm.RunOk(MapDevice(3)),
        ["INV"] = vm => vm.RunOk(Inv(1, 0)),
        ["INVALL"] = vm => vm.RunOk(Invall(0)),
        ["CLEAR"] = vm => vm.RunOk(Clear(1, 0)),
        ["INT"] = vm => vm.RunOk(Int(1, 2)),
        ["SYNC"] = vm => vm.RunOk(new Sync(0)),
        ["MOVALL with equal RDbases"] = vm => vm.RunOk(new Movall(1, 1)),
        ["a failing command"] = vm => Assert.Equal(CommandStatus.Error, vm.RunOne(Discard(1, 9)).Status),
        ["GITS_CTLR Enable=1 while enabled"] = vm => vm.EnableIts(),
        ["EnableLPIs written 1 while set"] = vm => vm.SetEnableLpis(0, true),
        ["SAVE_TABLES"] = vm => vm.Save(),
    };

    public static TheoryData<string> InvalidatingTriggers() => new(Invalidating.Keys);

    public static TheoryData<string> KeepingTriggers() => new(Keeping.Keys);

    [Fact]
    public void Cache_IsFilledByAnMsi_WhenTheTranslationResolves()
    {
        var vm = HostBuilder.PopulatedVm();
        Assert.Equal([(1u, 0u, 8192u)], Entries(vm));
        vm.Msi(1, 2);
        Assert.Equal([(1u, 0u, 8192u), (1u, 2u, 8194u)], Entries(vm));
    }

    [Fact]
    public void Cache_IsFilledByAnIntCommand_WhenTheTranslationResolves()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.RunOk(Int(1, 1));
        Assert.Equal([(1u, 0u, 8192u), (1u, 1u, 8193u)], Entries(vm));
    }

    [Fact]
    public void Cache_IsNotFilled_WhenTheMsiIsDropped()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(1, false);
        vm.Msi(1, 1);
        vm.Msi(1, 9);
        Assert.Equal(0, vm.Its.Cache.Count);
    }

    [Theory]
    [MemberData(nameof(InvalidatingTriggers))]
    public void Cache_IsEmptied_WhenATriggerOfSpecSection6Happens(string trigger)
    {
        var vm = CachedVm();
        Invalidating[trigger](vm);
        Assert.Equal(0, vm.Its.Cache.Count);
    }

    [Theory]
    [MemberData(nameof(KeepingTriggers))]
    public void Cache_IsKept_WhenSomethingOutsideTheSpecSection6ListHappens(string trigger)
    {
        var vm = CachedVm();
        var before = Entries(vm);
        Keeping[trigger](vm);
        Assert.All(before, entry => Assert.Contains(entry, Entries(vm)));
    }

    [Fact]
    public void Cache_HitDeliversToTheLpisNewTarget_AfterAMapcRetarget()
    {
        var vm = CachedVm();
        vm.RunOk(Clear(1, 1), MapCollection(1, 2));

        var outcome = vm.Msi(1, 1);

        Assert.Equal(2u, outcome.Vcpu);
        vm.Load(2, 0);
        Assert.Equal(8193u, vm.Ack(2));
    }

    [Fact]
    public void Cache_HitSkipsTheEnableLpisCheck_AsKvmsFastPathDoes()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.SetEnableLpis(2, false);           // flushes the cache first
        vm.Msi(1, 1);                        // cached, targets vCPU 1
        vm.RunOk(Clear(1, 1), MapCollection(1, 2)); // retarget to vCPU 2 (EnableLPIs = 0): no invalidation

        var outcome = vm.Msi(1, 1);

        Assert.True(outcome.Pending, "a cache hit does not look at EnableLPIs");
        Assert.Equal(2u, outcome.Vcpu);
        vm.Accept(new Inputs.SignalMsi(vm.Id, 1, 2)); // (1,2) is not cached: the slow path sees vCPU 0 fine
        Assert.Equal(2, vm.Its.Cache.Count);
    }

    [Fact]
    public void IsCacheable_OnlyAccepts16BitDeviceAndEventIds()
    {
        Assert.True(TranslationCache.IsCacheable(0xFFFF, 0xFFFF));
        Assert.False(TranslationCache.IsCacheable(0x1_0000, 0));
        Assert.False(TranslationCache.IsCacheable(0, 0x1_0000));
    }
}
