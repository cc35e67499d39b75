using GicService.Differential.Qemu;
using GicService.Differential.Runs;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using static GicService.Differential.KnownDifferences.SideBySide;

namespace GicService.Differential.KnownDifferences;

/// <summary>
/// The rows of spec/qemu-vs-kvm.md that the differential keeps out or compares in a relaxed way,
/// shown on the real QEMU beside GicService: each test fails if QEMU stopped behaving as the row says
/// (then the relaxation would hide real differences) or if GicService stopped following KVM.
/// </summary>
public sealed class KnownDifferenceTests(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    [Fact]
    public void Row1_ItteOutsideRam_StallsQemusQueue_WhileKvmReportsMaptiIdOor()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0, itt: 0x7000_0000), Mapc(0, 0));

        var (kvm, qemu) = both.Run(Mapti(0, 1, 8192, 0));

        Assert.Equal(ItsError.MaptiIdOor, kvm.ItsError);
        Assert.True(qemu.Stalled);
        Assert.NotEqual(qemu.Cwriter, qemu.Creadr);
    }

    [Fact]
    public void Row2_MaptiOnAMappedEvent_KeepsTheOldMappingInKvm_AndOverwritesInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Mapti(0, 1, 8193, 0));

        Assert.Equal(8192u, both.Vm.Its.FindIte(0, 1)!.Lpi.IntId.Value);
        Assert.Equal(8193u, both.Qemu.ReadItes(QemuIts.Gpa(IttA), 1, 1)[0].IntId);
    }

    [Fact]
    public void Row3_RemapWithTheSameItt_DropsTheItesInKvm_AndRevivesThemInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Mapd(0));

        var (kvm, qemu) = both.Run(Int(0, 1));

        Assert.Equal(ItsError.IntUnmappedInterrupt, kvm.ItsError);
        Assert.False(qemu.Failed, qemu.Log);
    }

    [Fact]
    public void Row4_UnmappingADeviceWithAPendingLpi_DropsTheLatchInKvm_AndKeepsTheBitInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Int(0, 1), Mapd(0, valid: false));

        Assert.Empty(both.Lpis);
        Assert.True(both.Qemu.IsPending(0, 8192));
    }

    [Fact]
    public void Row5_MapdV0WithSizeAbove15_UnmapsInKvm_AndIsRefusedByQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0));

        var (kvm, qemu) = both.Run(Mapd(0, valid: false, size: 16));

        Assert.Equal(CommandStatus.Ok, kvm.Status);
        Assert.Empty(both.Vm.Its.Devices);
        Assert.True(qemu.Failed);
        Assert.True(both.Qemu.ReadDte(0).Valid);
    }

    [Fact]
    public void Row6_RemappingAnUnmappedCollection_LeavesKvmsItesOrphaned_AndRevivesQemus()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Mapc(0, 0, valid: false), Mapc(0, 0));

        var (kvm, qemu) = both.Run(Int(0, 1));

        Assert.Equal(ItsError.IntUnmappedInterrupt, kvm.ItsError);
        Assert.False(qemu.Failed, qemu.Log);
    }

    [Fact]
    public void Row7_InvOnAnIteWithoutCollection_SucceedsInKvm_AndFailsInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapti(0, 1, 8192, 3));

        var (kvm, qemu) = both.Run(Inv(0, 1));

        Assert.Equal(CommandStatus.Ok, kvm.Status);
        Assert.Contains("invalid CTE", qemu.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void Row8_ClearOnAnOrphanedIte_ClearsTheLatchInKvm_AndFailsInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Int(0, 1), Mapc(0, 0, valid: false));

        var (kvm, qemu) = both.Run(Clear(0, 1));

        Assert.Equal(CommandStatus.Ok, kvm.Status);
        Assert.False(both.Lpis.Single().Pending);
        Assert.Contains("invalid CTE", qemu.Log, StringComparison.Ordinal);
        Assert.True(both.Qemu.IsPending(0, 8192));
    }

    [Fact]
    public void Row9_InvallOnAnUnknownCollection_FailsInKvm_AndSucceedsInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);

        var (kvm, qemu) = both.Run(new Invall(new CollectionId(5)));

        Assert.Equal(ItsError.InvallUnmappedCollection, kvm.ItsError);
        Assert.False(qemu.Failed, qemu.Log);
    }

    [Fact]
    public void Row10_RetargetingACollection_MovesThePendingLatchInKvm_AndLeavesTheBitInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 2);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Int(0, 1), Mapc(0, 1));

        Assert.Equal(1u, both.Lpis.Single().TargetVcpu);
        Assert.True(both.Lpis.Single().Pending);
        Assert.True(both.Qemu.IsPending(0, 8192));
        Assert.False(both.Qemu.IsPending(1, 8192));
    }

    [Fact]
    public void Row11_Movall_RetargetsTheLpisInKvm_AndOnlyMovesPendingBitsInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 2);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Int(0, 1), new Movall(0, 1));
        Assert.Equal((1u, true), (both.Lpis.Single().TargetVcpu!.Value, both.Lpis.Single().Pending));
        Assert.True(both.Qemu.IsPending(1, 8192));
        Assert.False(both.Qemu.IsPending(0, 8192));

        both.RunOk(Int(0, 1));

        Assert.Equal(1u, both.Lpis.Single().TargetVcpu); // KVM: INT follows the LPI
        Assert.True(both.Qemu.IsPending(0, 8192));        // QEMU: INT follows the collection
    }

    [Fact]
    public void Row12_TwoItesForOneIntId_ShareOneLpiInKvm_AndSetBitsOnTwoRedistributorsInQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 2);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapc(1, 1), Mapti(0, 1, 8192, 0), Mapti(0, 2, 8192, 1), Int(0, 1), Int(0, 2));

        var lpi = both.Lpis.Single();
        Assert.Equal((0u, true), (lpi.TargetVcpu!.Value, lpi.Pending));
        Assert.True(both.Qemu.IsPending(0, 8192));
        Assert.True(both.Qemu.IsPending(1, 8192));
    }

    [Fact]
    public void Row15_MapcRdBaseAbove16Bits_IsRefusedByKvm_AndCutTo16BitsByQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 2);

        var (kvm, qemu) = both.Run(Mapc(0, 0x1_0001));

        Assert.Equal(ItsError.MapcProcnumOor, kvm.ItsError);
        Assert.False(qemu.Failed, qemu.Log);
        Assert.Equal(new QemuCte(true, 1), both.Qemu.ReadCte(0));
    }

    [Fact]
    public void Row16_MovallRdBaseBits51To48_AreIgnoredByKvm_AndReadByQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);

        var (kvm, qemu) = both.Run(new Movall(0xF_0000_0000, 0));

        Assert.Equal(CommandStatus.Ok, kvm.Status);
        Assert.True(qemu.Failed);
    }

    [Fact]
    public void Row22_IntWithEnableLpisCleared_IsEbusyInKvm_AndDroppedSilentlyByQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0));
        both.SetEnableLpis(0, false);

        var (kvm, qemu) = both.Run(Int(0, 1));

        Assert.Equal(Errno.EBUSY, kvm.Errno);
        Assert.False(both.Lpis.Single().Pending);
        Assert.False(qemu.Failed, qemu.Log);
        Assert.False(both.Qemu.IsPending(0, 8192));
    }

    [Fact]
    public void Row23_ClearWithEnableLpisCleared_ClearsKvmsLatch_AndLeavesQemusBit()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Int(0, 1));
        both.SetEnableLpis(0, false);

        both.RunOk(Clear(0, 1));

        Assert.False(both.Lpis.Single().Pending);
        Assert.True(both.Qemu.IsPending(0, 8192));
    }

    [Fact]
    public void Row23_MoviWithEnableLpisCleared_MovesKvmsLatch_AndLeavesQemusBit()
    {
        using var both = new SideBySide(fixture.Qemu, 2);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapc(1, 1), Mapti(0, 1, 8192, 0), Int(0, 1));
        both.SetEnableLpis(1, false);

        both.RunOk(new Movi(new DeviceId(0), new EventId(1), new CollectionId(1)));

        Assert.Equal((1u, true), (both.Lpis.Single().TargetVcpu!.Value, both.Lpis.Single().Pending));
        Assert.True(both.Qemu.IsPending(0, 8192));
        Assert.False(both.Qemu.IsPending(1, 8192));
    }

    [Fact]
    public void Row24_MsiWhileTheItsIsDisabled_IsEbusyInKvm_AndIgnoredSilentlyByQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);
        both.RunOk(Mapd(0), Mapc(0, 0), Mapti(0, 1, 8192, 0), Int(0, 1), Clear(0, 1)); // the INT filled KVM's translation cache
        Assert.True(both.Host.Apply(new WriteItsRegister(StreamRunner.VmId, ItsRegister.Control, 0, 4, 0)).Accepted);

        var kvm = (MsiOutcome)both.Host.Apply(new SignalMsi(StreamRunner.VmId, 0, 1)).Result!;
        var qemu = both.Qemu.SignalMsi(1, itsDisabled: true);

        Assert.Equal(Errno.EBUSY, kvm.Errno);
        Assert.False(both.Lpis.Single().Pending);
        Assert.False(qemu.Failed, qemu.Log);
        Assert.False(both.Qemu.IsPending(0, 8192));
    }

    [Fact]
    public void Row20_IdRegisters_DifferBetweenKvmAndQemu()
    {
        using var both = new SideBySide(fixture.Qemu, 1);

        Assert.Equal(0x1_EF71UL, both.Vm.Its.Read(ItsRegister.Type));
        Assert.Equal(0x1F_0001_EFB1UL, both.Qemu.ReadItsRegister(0x8));
        Assert.Equal(0x4B00_043BUL, both.Vm.Its.Read(ItsRegister.ImplementerId));
        Assert.Equal(0x43Bu, both.Qemu.ReadItsRegister32(0x4));
    }
}
