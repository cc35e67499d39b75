using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Its;

/// <summary>The GITS_* registers of the virtual ITS with KVM's values and write rules (spec/its.md §1.1-§1.7).</summary>
public sealed class VirtualItsRegistersTests
{
    private const ulong Queue = 0x1_0000;
    private const ulong DeviceTable = 0x10_0000;
    private const ulong CollectionTable = 0x18_0000;

    private static readonly ulong ValidCbaser = GitsCbaser.Make(Queue, 0x1000);
    private static readonly ulong ValidBaser0 = GitsBaser.MakeFlat(GitsBaser.TypeDevice, DeviceTable, 1);
    private static readonly ulong ValidBaser1 = GitsBaser.MakeFlat(GitsBaser.TypeCollection, CollectionTable, 1);

    /// <summary>A bare VM whose guest programmed the queue and both tables, ITS still disabled.</summary>
    private static TestVm ProgrammedBareVm()
    {
        var vm = HostBuilder.BareVm();
        vm.WriteIts(ItsRegister.CommandQueueBase, ValidCbaser);
        vm.WriteIts(ItsRegister.TableBase0, ValidBaser0);
        vm.WriteIts(ItsRegister.TableBase1, ValidBaser1);
        return vm;
    }

    // ------------------------------------------------------------------ GITS_CTLR (§1.3)

    [Fact]
    public void Control_ReadsQuiescentAndDisabled_WhenTheVmIsBare()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x8000_0000UL, vm.ReadIts(ItsRegister.Control));
    }

    [Theory]
    [InlineData("GITS_BASER0")]
    [InlineData("GITS_BASER1")]
    [InlineData("GITS_CBASER")]
    public void Control_IgnoresEnable_WhenATableOrTheQueueIsInvalid(string invalid)
    {
        var vm = HostBuilder.BareVm();
        vm.WriteIts(ItsRegister.CommandQueueBase, invalid == "GITS_CBASER" ? ValidCbaser & ~(1UL << 63) : ValidCbaser);
        vm.WriteIts(ItsRegister.TableBase0, invalid == "GITS_BASER0" ? ValidBaser0 & ~(1UL << 63) : ValidBaser0);
        vm.WriteIts(ItsRegister.TableBase1, invalid == "GITS_BASER1" ? ValidBaser1 & ~(1UL << 63) : ValidBaser1);

        var result = vm.WriteIts(ItsRegister.Control, 1);

        Assert.Equal(0x8000_0000UL, result.Value);
        Assert.False(vm.Its.Enabled);
    }

    [Fact]
    public void Control_Enables_WhenBothTablesAndTheQueueAreValid()
    {
        var vm = ProgrammedBareVm();
        Assert.Equal(0x8000_0001UL, vm.WriteIts(ItsRegister.Control, 1).Value);
        Assert.True(vm.Its.Enabled);
    }

    [Fact]
    public void Control_IgnoresImDeAndItsNumber_WhenWritten()
    {
        var vm = ProgrammedBareVm();
        Assert.Equal(0x8000_0001UL, vm.WriteIts(ItsRegister.Control, 0xFFFF_FFFF).Value);
    }

    [Fact]
    public void Control_ReadsNotQuiescent_WhenCommandsWaitWhileDisabled()
    {
        var vm = ProgrammedBareVm();
        var queued = vm.Run(new Sync(0), new Sync(0));
        Assert.Empty(queued.Results);
        Assert.Equal(0x40UL, vm.ReadIts(ItsRegister.CommandWritePointer));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.Control));

        var enabled = vm.WriteIts(ItsRegister.Control, 1);

        Assert.Equal(2, enabled.Processed.Count);
        Assert.Equal(0x8000_0001UL, enabled.Value);
        Assert.Equal(0x40UL, vm.ReadIts(ItsRegister.CommandReadPointer));
    }

    [Fact]
    public void Control_KeepsDevicesCollectionsAndLpis_WhenTheItsIsDisabled()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        Assert.False(vm.Its.Enabled);
        Assert.Single(vm.Its.Devices);
        Assert.Equal(2, vm.Its.Collections.Count);
        Assert.Equal(3, vm.Lpis.Count);
        Assert.True(vm.Lpi(8192).Pending);
    }

    // ------------------------------------------------------------------ GITS_TYPER, GITS_IIDR (§1.2, §1.4)

    [Fact]
    public void Typer_Reads0x1EF71_AndIgnoresWrites()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(0x1EF71UL, vm.ReadIts(ItsRegister.Type));
        Assert.Equal(0x1EF71UL, vm.WriteIts(ItsRegister.Type, 0xFFFF_FFFF_FFFF_FFFF).Value);
        Assert.Equal(0UL, vm.WriteIts(ItsRegister.Type, 0, offset: 4, length: 4).Value);
        Assert.Equal(GitsTyper.Value, vm.ReadIts(ItsRegister.Type));
    }

    [Fact]
    public void Iidr_Reads0x4B00043B_AndIgnoresGuestWrites()
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(0x4B00_043BUL, vm.ReadIts(ItsRegister.ImplementerId));
        Assert.Equal(0x4B00_043BUL, vm.WriteIts(ItsRegister.ImplementerId, 0x1000).Value);
    }

    [Fact]
    public void Iidr_UserspaceWriteFailsWithEinval_WhenTheAbiRevisionIsNotZero()
    {
        var vm = HostBuilder.ReadyVm();
        var rejection = vm.Refuse(new WriteItsRegister(vm.Id, ItsRegister.ImplementerId, 0, 4, 0x4B00_143B, Userspace: true));
        Assert.Equal(Errno.EINVAL, rejection.Errno);
        Assert.Equal(0, vm.Its.AbiRevision);

        var accepted = vm.Accept(new WriteItsRegister(vm.Id, ItsRegister.ImplementerId, 0, 4, 0x4B00_043B, Userspace: true));
        Assert.Equal(0x4B00_043BUL, accepted.Value);
    }

    [Theory]
    [InlineData(ItsRegister.PeripheralId4, 0x40UL)]
    [InlineData(ItsRegister.PeripheralId5, 0UL)]
    [InlineData(ItsRegister.PeripheralId6, 0UL)]
    [InlineData(ItsRegister.PeripheralId7, 0UL)]
    [InlineData(ItsRegister.PeripheralId0, 0x92UL)]
    [InlineData(ItsRegister.PeripheralId1, 0xB4UL)]
    [InlineData(ItsRegister.PeripheralId2, 0x3BUL)]
    [InlineData(ItsRegister.PeripheralId3, 0UL)]
    [InlineData(ItsRegister.ComponentId0, 0x0DUL)]
    [InlineData(ItsRegister.ComponentId1, 0xF0UL)]
    [InlineData(ItsRegister.ComponentId2, 0x05UL)]
    [InlineData(ItsRegister.ComponentId3, 0xB1UL)]
    public void IdRegisters_ReadKvmValuesAndIgnoreWrites(ItsRegister register, ulong expected)
    {
        var vm = HostBuilder.ReadyVm();
        Assert.Equal(expected, vm.ReadIts(register));
        Assert.Equal(expected, vm.WriteIts(register, 0xFF).Value);
    }

    // ------------------------------------------------------------------ GITS_CBASER (§1.5)

    [Fact]
    public void Cbaser_SanitisesAttributesAndForces64KiBAlignment_WhenWritten()
    {
        var vm = HostBuilder.BareVm();
        // Valid, InnerCache nCnB, OuterCache 2, OuterShareable, PA 0x1234_5000, Size 3.
        var written = (1UL << 63) | (0UL << 59) | (2UL << 53) | (2UL << 10) | 0x1234_5000UL | 3;
        var expected = (1UL << 63) | (3UL << 59) | (0UL << 53) | (1UL << 10) | 0x1234_0000UL | 3;

        Assert.Equal(expected, vm.WriteIts(ItsRegister.CommandQueueBase, written).Value);
        Assert.Equal(4UL * 4096, vm.Its.Cbaser.QueueBytes);
    }

    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 3)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(7, 7)]
    public void Cbaser_RewritesInnerNonCacheableToReadAllocateWriteBack_WhenWritten(ulong inner, ulong expected)
    {
        var vm = HostBuilder.BareVm();
        var value = vm.WriteIts(ItsRegister.CommandQueueBase, (inner << 59) | Queue).Value;
        Assert.Equal(expected, (value >> 59) & 7);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    [InlineData(5, 0)]
    [InlineData(7, 0)]
    public void Cbaser_KeepsOnlySameAsInnerOrNonCacheableOuter_WhenWritten(ulong outer, ulong expected)
    {
        var vm = HostBuilder.BareVm();
        var value = vm.WriteIts(ItsRegister.CommandQueueBase, (outer << 53) | Queue).Value;
        Assert.Equal(expected, (value >> 53) & 7);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 3)]
    public void Cbaser_RewritesOuterShareableToInnerShareable_WhenWritten(ulong share, ulong expected)
    {
        var vm = HostBuilder.BareVm();
        var value = vm.WriteIts(ItsRegister.CommandQueueBase, (share << 10) | Queue).Value;
        Assert.Equal(expected, (value >> 10) & 3);
    }

    [Fact]
    public void Cbaser_ResetsCreadrAndCwriter_WhenWrittenWhileDisabled()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(new Sync(0), new Sync(0), new Sync(0));
        Assert.Equal(0x60UL, vm.ReadIts(ItsRegister.CommandReadPointer));
        vm.DisableIts();
        vm.Run(new Sync(0));
        Assert.Equal(0x80UL, vm.ReadIts(ItsRegister.CommandWritePointer));

        vm.WriteIts(ItsRegister.CommandQueueBase, vm.Its.Cbaser.Raw);

        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandWritePointer));
        Assert.Equal(0x8000_0000UL, vm.ReadIts(ItsRegister.Control));
    }

    [Fact]
    public void Cbaser_IgnoresWrites_WhileTheItsIsEnabled()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(new Sync(0));
        var before = vm.ReadIts(ItsRegister.CommandQueueBase);

        vm.WriteIts(ItsRegister.CommandQueueBase, GitsCbaser.Make(0x40_0000, 0x1000));

        Assert.Equal(before, vm.ReadIts(ItsRegister.CommandQueueBase));
        Assert.Equal(0x20UL, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(0x20UL, vm.ReadIts(ItsRegister.CommandWritePointer));
    }

    [Fact]
    public void Cbaser_AcceptsTwo32BitHalves_WhenWrittenSeparately()
    {
        var vm = HostBuilder.BareVm();
        vm.WriteIts(ItsRegister.CommandQueueBase, 0x0002_0001, offset: 0, length: 4);
        vm.WriteIts(ItsRegister.CommandQueueBase, 0x8000_0000, offset: 4, length: 4);
        // The upper half replaced InnerCache with 0, which sanitising turns into RaWb (3) again.
        Assert.Equal(0x9800_0000_0002_0001UL, vm.ReadIts(ItsRegister.CommandQueueBase));
        Assert.True(vm.Its.Cbaser.Valid);
        Assert.Equal(0x2_0000UL, vm.Its.Cbaser.Address);
    }

    // ------------------------------------------------------------------ GITS_CWRITER, GITS_CREADR (§1.2, §1.5)

    [Fact]
    public void Cwriter_IgnoresTheWholeWrite_WhenTheOffsetIsBeyondTheQueue()
    {
        var vm = ProgrammedBareVm(); // 4 KiB queue
        vm.WriteIts(ItsRegister.CommandWritePointer, 0x40);

        Assert.Equal(0x40UL, vm.WriteIts(ItsRegister.CommandWritePointer, 0x1000).Value);
        Assert.Equal(0x40UL, vm.WriteIts(ItsRegister.CommandWritePointer, 0x1_0FE0).Value);
        Assert.Equal(0xFE0UL, vm.WriteIts(ItsRegister.CommandWritePointer, 0xFE0).Value);
    }

    [Fact]
    public void Cwriter_DropsTheRetryBitAndBitsBelowTheSlot_WhenWritten()
    {
        var vm = ProgrammedBareVm();
        Assert.Equal(0x20UL, vm.WriteIts(ItsRegister.CommandWritePointer, 0x3F).Value);
        Assert.Equal(0x80UL, vm.WriteIts(ItsRegister.CommandWritePointer, 0xFFFF_FFFF_FFF0_0081).Value);
    }

    [Fact]
    public void Creadr_IgnoresGuestWrites()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(new Sync(0));
        vm.DisableIts();
        Assert.Equal(0x20UL, vm.WriteIts(ItsRegister.CommandReadPointer, 0x100).Value);
    }

    [Fact]
    public void Creadr_UserspaceWriteFailsWithEbusy_WhileTheItsIsEnabled()
    {
        var vm = HostBuilder.ReadyVm();
        var rejection = vm.Refuse(new WriteItsRegister(vm.Id, ItsRegister.CommandReadPointer, 0, 8, 0x100, Userspace: true));
        Assert.Equal(Errno.EBUSY, rejection.Errno);
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandReadPointer));
    }

    [Fact]
    public void Creadr_UserspaceWriteFailsWithEinval_WhenTheOffsetIsBeyondTheQueue()
    {
        var vm = ProgrammedBareVm(); // 4 KiB queue
        var rejection = vm.Refuse(new WriteItsRegister(vm.Id, ItsRegister.CommandReadPointer, 0, 8, 0x1000, Userspace: true));
        Assert.Equal(Errno.EINVAL, rejection.Errno);
    }

    [Fact]
    public void Creadr_UserspaceWriteSetsTheOffset_AndEnableProcessesFromThere()
    {
        var vm = ProgrammedBareVm();
        // Three commands queued from 0; userspace says the first two were already processed (as a restore would).
        vm.Run(MapDevice(1), new Sync(0), new Sync(0));
        var accepted = vm.Accept(new WriteItsRegister(vm.Id, ItsRegister.CommandReadPointer, 0, 8, 0x4F, Userspace: true));
        Assert.Equal(0x40UL, accepted.Value);

        var enabled = vm.WriteIts(ItsRegister.Control, 1);

        var processed = Assert.Single(enabled.Processed);
        Assert.Equal(0x40UL, processed.Offset);
        Assert.Empty(vm.Its.Devices);
        Assert.Equal(0x60UL, vm.ReadIts(ItsRegister.CommandReadPointer));
    }

    [Fact]
    public void Creadr_WrapsToZero_WhenTheLastSlotOfTheQueueIsProcessed()
    {
        var vm = ProgrammedBareVm(); // 4 KiB queue: 128 slots
        vm.EnableIts();
        for (var i = 0; i < 3; i++)
        {
            vm.Run(Enumerable.Repeat<ItsCommand>(new Sync(0), 50).ToArray());
        }

        Assert.Equal((150UL * 32) % 0x1000, vm.ReadIts(ItsRegister.CommandReadPointer));
        Assert.Equal(vm.ReadIts(ItsRegister.CommandWritePointer), vm.ReadIts(ItsRegister.CommandReadPointer));
    }

    // ------------------------------------------------------------------ GITS_BASERn (§1.6)

    [Fact]
    public void Baser_ReadsKvmResetValues_WhenTheVmIsBare()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x1907_0000_0000_0600UL, vm.ReadIts(ItsRegister.TableBase0));
        Assert.Equal(0x1C07_0000_0000_0600UL, vm.ReadIts(ItsRegister.TableBase1));
    }

    [Theory]
    [InlineData(ItsRegister.TableBase0, GitsBaser.TypeDevice)]
    [InlineData(ItsRegister.TableBase1, GitsBaser.TypeCollection)]
    public void Baser_KeepsEntrySizeTypeAndPageSizeFixed_WhenTheGuestWritesOthers(ItsRegister register, ulong type)
    {
        var vm = HostBuilder.BareVm();
        // Entry_Size 0x1F, Type 7, Page_Size 4 KiB, PA 0x30_0000, Size 1, RaWb, InnerShareable, Valid.
        var written = (1UL << 63) | (3UL << 59) | (7UL << 56) | (0x1FUL << 48) | 0x30_0000UL | (1UL << 10) | (0UL << 8) | 1;

        var value = vm.WriteIts(register, written).Value;

        Assert.Equal(7UL, (value >> 48) & 0x1F);
        Assert.Equal(type, (value >> 56) & 7);
        Assert.Equal(2UL, (value >> 8) & 3);
        Assert.Equal(0x30_0000UL | 1 | (1UL << 10) | (1UL << 63) | (3UL << 59), value & ~((0x1FUL << 48) | (7UL << 56) | (3UL << 8)));
    }

    [Fact]
    public void Baser_ForcesIndirectToZero_ForTheCollectionTableOnly()
    {
        var vm = HostBuilder.BareVm();
        var indirect = (1UL << 62) | 0x30_0000UL;
        Assert.True((vm.WriteIts(ItsRegister.TableBase0, indirect).Value & (1UL << 62)) != 0);
        Assert.Equal(0UL, vm.WriteIts(ItsRegister.TableBase1, indirect).Value & (1UL << 62));
    }

    [Fact]
    public void Baser_SanitisesShareabilityAndCacheability_WhenWritten()
    {
        var vm = HostBuilder.BareVm();
        // OuterShareable, InnerCache nC (1), OuterCache 6.
        var value = vm.WriteIts(ItsRegister.TableBase0, (2UL << 10) | (1UL << 59) | (6UL << 53) | 0x30_0000UL).Value;
        Assert.Equal(1UL, (value >> 10) & 3);
        Assert.Equal(3UL, (value >> 59) & 7);
        Assert.Equal(0UL, (value >> 53) & 7);
    }

    [Fact]
    public void Baser_TakesPhysicalAddressBits51To48FromBits15To12_BecausePagesAre64KiB()
    {
        var vm = HostBuilder.BareVm();
        vm.WriteIts(ItsRegister.TableBase0, 0x0000_8765_4321_0000UL | (0xAUL << 12));
        Assert.Equal(0x000A_8765_4321_0000UL, vm.Its.DeviceBaser.Address);
    }

    [Fact]
    public void Baser_IgnoresWrites_WhileTheItsIsEnabled()
    {
        var vm = HostBuilder.PopulatedVm();
        var baser0 = vm.ReadIts(ItsRegister.TableBase0);
        var baser1 = vm.ReadIts(ItsRegister.TableBase1);

        vm.WriteIts(ItsRegister.TableBase0, 0);
        vm.WriteIts(ItsRegister.TableBase1, 0);

        Assert.Equal(baser0, vm.ReadIts(ItsRegister.TableBase0));
        Assert.Equal(baser1, vm.ReadIts(ItsRegister.TableBase1));
        Assert.Single(vm.Its.Devices);
        Assert.Equal(2, vm.Its.Collections.Count);
    }

    [Fact]
    public void Baser0_ChangeFreesEveryDeviceItsItesAndLpis_WhenValidStaysSet()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var moved = GitsBaser.MakeFlat(GitsBaser.TypeDevice, 0x70_0000, ReadyLayout.TablePages);

        vm.WriteIts(ItsRegister.TableBase0, moved);

        Assert.True(vm.Its.DeviceBaser.Valid);
        Assert.Empty(vm.Its.Devices);
        Assert.Equal(0, vm.Lpis.Count);
        Assert.Equal(0, vm.Its.Cache.Count);
        Assert.Equal(2, vm.Its.Collections.Count);
    }

    [Fact]
    public void Baser1_ChangeFreesEveryCollectionAndOrphansTheirItes_WhenValidStaysSet()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var bigger = GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, ReadyLayout.TablePages + 1);

        vm.WriteIts(ItsRegister.TableBase1, bigger);

        Assert.Empty(vm.Its.Collections);
        var ites = vm.Its.Devices[1].Ites.Values.ToList();
        Assert.Equal(3, ites.Count);
        Assert.All(ites, ite => Assert.Null(ite.Collection));
        Assert.Equal(3, vm.Lpis.Count);
        Assert.Equal(0u, vm.Lpi(8192).TargetVcpu);
        Assert.True(vm.Lpi(8192).Pending);
        Assert.Equal(0, vm.Its.Cache.Count);
    }

    [Fact]
    public void Baser_IdenticalRewriteFreesNothing_WhenTheValueIsUnchanged()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var before = vm.Snapshot();

        vm.WriteIts(ItsRegister.TableBase0, vm.ReadIts(ItsRegister.TableBase0));
        vm.WriteIts(ItsRegister.TableBase1, vm.ReadIts(ItsRegister.TableBase1));

        Assert.Equal(before, vm.Snapshot());
    }

    [Fact]
    public void Baser_RewriteThatSanitisesToTheSameValueFreesNothing_WhenOnlyIgnoredBitsDiffer()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var before = vm.Snapshot();
        // Page size 4K and Entry_Size 0: both forced back to what the register already holds.
        var same = vm.ReadIts(ItsRegister.TableBase0) & ~(3UL << 8) & ~(0x1FUL << 48);

        vm.WriteIts(ItsRegister.TableBase0, same);

        Assert.Equal(before, vm.Snapshot());
    }

    [Fact]
    public void Baser0_ClearingValidFreesEveryDevice_WhenWritten()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        vm.WriteIts(ItsRegister.TableBase0, vm.ReadIts(ItsRegister.TableBase0) & ~(1UL << 63));
        Assert.Empty(vm.Its.Devices);
        Assert.Equal(0, vm.Lpis.Count);
    }

    [Fact]
    public void Baser1_UpperHalfWriteThatChangesTheValueFreesTheCollections_WhenWrittenAs32Bits()
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var upper = vm.ReadIts(ItsRegister.TableBase1) >> 32;

        vm.WriteIts(ItsRegister.TableBase1, upper & 0x7FFF_FFFF, offset: 4, length: 4);

        Assert.False(vm.Its.CollectionBaser.Valid);
        Assert.Empty(vm.Its.Collections);
        Assert.Single(vm.Its.Devices);
    }

    [Theory]
    [InlineData(ItsRegister.TableBase2)]
    [InlineData(ItsRegister.TableBase3)]
    [InlineData(ItsRegister.TableBase4)]
    [InlineData(ItsRegister.TableBase5)]
    [InlineData(ItsRegister.TableBase6)]
    [InlineData(ItsRegister.TableBase7)]
    public void Baser2To7_ReadAsZeroAndIgnoreWrites(ItsRegister register)
    {
        var vm = HostBuilder.PopulatedVm();
        vm.DisableIts();
        var before = vm.Snapshot();

        Assert.Equal(0UL, vm.WriteIts(register, 0xFFFF_FFFF_FFFF_FFFF).Value);

        Assert.Equal(0UL, vm.ReadIts(register));
        Assert.Equal(before, vm.Snapshot());
    }

    // ------------------------------------------------------------------ access sizes (§1.1)

    [Fact]
    public void Control_IgnoresA64BitWrite_BecauseItIsA32BitRegister()
    {
        var vm = ProgrammedBareVm();
        vm.WriteIts(ItsRegister.Control, 1, offset: 0, length: 8);
        Assert.False(vm.Its.Enabled);
    }

    [Fact]
    public void Control_IgnoresAWriteAtOffset4_BecauseItIsA32BitRegister()
    {
        var vm = ProgrammedBareVm();
        vm.WriteIts(ItsRegister.Control, 1, offset: 4, length: 4);
        Assert.False(vm.Its.Enabled);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(0, 2)]
    [InlineData(4, 8)]
    [InlineData(2, 4)]
    public void Cbaser_IgnoresAnAccessKvmDoesNotPerform_WhenSizeOrAlignmentIsWrong(int offset, int length)
    {
        var vm = HostBuilder.BareVm();
        vm.WriteIts(ItsRegister.CommandQueueBase, ValidCbaser, offset, length);
        Assert.Equal(0UL, vm.ReadIts(ItsRegister.CommandQueueBase));
    }
}
