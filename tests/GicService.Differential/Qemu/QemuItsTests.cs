using GicService.Differential.Qemu;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Vms;

namespace GicService.Differential.Qemu.Tests;

/// <summary>The oracle's harness itself: QEMU starts, the ready bring-up holds, errors and pending bits are read where they belong.</summary>
public sealed class QemuItsTests
{
    private const ulong Itt = 0x0100_0000;

    [Fact]
    public void Start_BringsQemusItsUpAsTheReadySetupDoes()
    {
        using var its = QemuIts.Start(2, 64);

        Assert.Equal(1u, its.ReadItsRegister32(0x0) & 1); // GITS_CTLR.Enabled
        Assert.Equal(GitsCbaser.Make(QemuIts.Gpa(ReadyLayout.CommandQueue), ReadyLayout.CommandQueueBytes), its.ReadItsRegister(0x80));
        Assert.Equal(QemuIts.Gpa(ReadyLayout.DeviceTable), new GitsBaser(its.ReadItsRegister(0x100)).Address);
        Assert.Equal(QemuIts.Gpa(ReadyLayout.CollectionTable), new GitsBaser(its.ReadItsRegister(0x108)).Address);
        Assert.Equal(0UL, its.ReadItsRegister(0x90)); // GITS_CREADR
    }

    [Fact]
    public void Execute_ReportsTheGuestErrorOfTheFailingCommandOnly()
    {
        using var its = QemuIts.Start(1, 64);
        its.Reset();

        var mapd = its.Execute(ItsCommandCodec.Encode(new Mapd(new DeviceId(1), 3, QemuIts.Gpa(Itt), true)));
        var intUnmapped = its.Execute(ItsCommandCodec.Encode(new Int(new DeviceId(2), new EventId(0))));
        var sync = its.Execute(ItsCommandCodec.Encode(new Sync(0)));

        Assert.False(mapd.Failed, mapd.Log);
        Assert.True(intUnmapped.Failed);
        Assert.Contains("invalid dte", intUnmapped.Log, StringComparison.OrdinalIgnoreCase);
        Assert.False(sync.Failed, sync.Log);
        Assert.Equal(96UL, sync.Creadr);
        Assert.False(sync.Stalled);
    }

    [Fact]
    public void Int_SetsTheBitInTheCollectionsRedistributor_AndResetClearsEverything()
    {
        using var its = QemuIts.Start(2, 64);
        its.Reset();
        its.Execute(ItsCommandCodec.Encode(new Mapd(new DeviceId(1), 3, QemuIts.Gpa(Itt), true)));
        its.Execute(ItsCommandCodec.Encode(new Mapc(new CollectionId(2), 1, true)));
        its.Execute(ItsCommandCodec.Encode(new Mapti(new DeviceId(1), new EventId(5), new IntId(8200), new CollectionId(2))));
        var fired = its.Execute(ItsCommandCodec.Encode(new Int(new DeviceId(1), new EventId(5))));

        Assert.False(fired.Failed, fired.Log);
        Assert.True(its.IsPending(1, 8200));
        Assert.False(its.IsPending(0, 8200));
        Assert.Equal(new QemuDte(true, 3, QemuIts.Gpa(Itt)), its.ReadDte(1));
        Assert.Equal(new QemuCte(true, 1), its.ReadCte(2));
        var ite = its.ReadItes(QemuIts.Gpa(Itt), 5, 1)[0];
        Assert.Equal((true, true, 8200u, (ushort)2), (ite.Valid, ite.Physical, ite.IntId, ite.Icid));

        its.Reset();

        Assert.False(its.IsPending(1, 8200));
        Assert.False(its.ReadDte(1).Valid);
        Assert.False(its.ReadCte(2).Valid);
        Assert.True(its.Execute(ItsCommandCodec.Encode(new Int(new DeviceId(1), new EventId(5)))).Failed);
    }
}
