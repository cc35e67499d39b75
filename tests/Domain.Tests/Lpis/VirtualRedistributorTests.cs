using GicService.Domain.Inputs;
using GicService.Domain.Lpis;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;
using static GicService.Domain.Tests.Hosts.TestVm;

namespace GicService.Domain.Tests.Lpis;

/// <summary>The LPI registers of a vCPU's redistributor with KVM's semantics (spec/its.md §1.8).</summary>
public sealed class VirtualRedistributorTests
{
    private const ulong Ptz = 1UL << 62;
    private const ulong RaWb = 3UL << 7; // InnerCache of PROPBASER and PENDBASER, what nCnB (0) is rewritten to

    /// <summary>A ready VM with 8192 (ICID 0 -> vCPU 0), 8193 (ICID 1 -> vCPU 1) and 8194 (ICID 0) mapped on device 1.</summary>
    private static TestVm MappedVm()
    {
        var vm = HostBuilder.ReadyVm();
        vm.RunOk(MapDevice(1), MapCollection(0, 0), MapCollection(1, 1), Map(1, 0, 8192, 0), Map(1, 1, 8193, 1), Map(1, 2, 8194, 0));
        return vm;
    }

    /// <summary>Clears EnableLPIs on <paramref name="vcpu"/> and points its PENDBASER at its ready pending table with the given PTZ.</summary>
    private static void DisableLpisAndSetPendBaser(TestVm vm, uint vcpu, bool ptz)
    {
        vm.SetEnableLpis(vcpu, false);
        vm.WriteRd(vcpu, RedistributorRegister.PendingBase, ReadyLayout.PendingTable(vcpu) | (ptz ? Ptz : 0));
    }

    // ------------------------------------------------------------------ GICR_CTLR and the EnableLPIs state machine

    [Fact]
    public void Ctlr_ReadsCesAndIrWithLpisDisabled_WhenTheVmIsBare()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x6UL, vm.ReadRd(0, RedistributorRegister.Control));
        Assert.False(vm.Vm.Redistributors[0].EnableLpis);
    }

    [Fact]
    public void Ctlr_SetsEnableLpis_WhenOneIsWrittenFromZero()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x7UL, vm.WriteRd(2, RedistributorRegister.Control, 1));
        Assert.True(vm.Vm.Redistributors[2].EnableLpis);
        Assert.False(vm.Vm.Redistributors[1].EnableLpis);
    }

    [Fact]
    public void Ctlr_ImportsPendingBitsOfLpisTargetingThisVcpuOnly_WhenEnabledWithPtzZero()
    {
        var vm = MappedVm();
        DisableLpisAndSetPendBaser(vm, 0, ptz: false);
        vm.SetPendingBit(0, 8192, true);
        vm.SetPendingBit(0, 8193, true); // targets vCPU 1: not this table's business

        vm.SetEnableLpis(0, true);

        Assert.True(vm.Lpi(8192).Pending);
        Assert.True(vm.Lpi(8192).Queued);
        Assert.False(vm.Lpi(8193).Pending);
        Assert.False(vm.Lpi(8194).Pending);
        Assert.True(vm.PendingBit(0, 8192), "the scan does not modify the pending table");
    }

    [Fact]
    public void Ctlr_OverwritesLatchesFromThePendingTable_WhenEnabledWithPtzZero()
    {
        var vm = MappedVm();
        Assert.True(vm.Msi(1, 0).Pending);
        DisableLpisAndSetPendBaser(vm, 0, ptz: false);
        Assert.True(vm.Lpi(8192).Pending);

        vm.SetEnableLpis(0, true); // the table's bit for 8192 is clear

        Assert.False(vm.Lpi(8192).Pending);
    }

    [Fact]
    public void Ctlr_KeepsLatchesWithoutScanning_WhenEnabledWithPtzOne()
    {
        var vm = MappedVm();
        Assert.True(vm.Msi(1, 0).Pending);
        DisableLpisAndSetPendBaser(vm, 0, ptz: true);
        vm.SetPendingBit(0, 8194, true);

        vm.SetEnableLpis(0, true);

        Assert.True(vm.Lpi(8192).Pending);
        Assert.False(vm.Lpi(8194).Pending);
    }

    [Fact]
    public void Ctlr_DequeuesThisVcpusLpisKeepsLatchesAndFlushesTheCache_WhenEnableLpisIsCleared()
    {
        var vm = MappedVm();
        Assert.True(vm.Msi(1, 0).Pending);
        Assert.True(vm.Msi(1, 1).Pending);
        Assert.Equal(2, vm.Its.Cache.Count);

        Assert.Equal(0x6UL, vm.WriteRd(0, RedistributorRegister.Control, 0));

        Assert.True(vm.Lpi(8192).Pending);
        Assert.False(vm.Lpi(8192).Queued);
        Assert.True(vm.Lpi(8193).Queued, "vCPU 1's list is untouched");
        Assert.Equal(0, vm.Its.Cache.Count);
    }

    [Fact]
    public void Ctlr_DoesNotRescanThePendingTable_WhenOneIsWrittenWhileAlreadyEnabled()
    {
        var vm = MappedVm();
        DisableLpisAndSetPendBaser(vm, 0, ptz: false);
        vm.SetEnableLpis(0, true);
        vm.SetPendingBit(0, 8194, true);

        vm.SetEnableLpis(0, true);

        Assert.False(vm.Lpi(8194).Pending);
    }

    [Fact]
    public void Ctlr_IgnoresZero_WhenEnableLpisIsAlreadyClear()
    {
        var vm = MappedVm();
        Assert.True(vm.Msi(1, 1).Pending);
        vm.SetEnableLpis(0, false);
        Assert.True(vm.Msi(1, 1).Pending); // vCPU 1: fills the cache again

        vm.SetEnableLpis(0, false);

        Assert.Equal(1, vm.Its.Cache.Count);
    }

    [Fact]
    public void Ctlr_IgnoresA64BitWrite_BecauseItIsA32BitRegister()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0UL, vm.WriteRd(0, RedistributorRegister.Control, 1, length: 8));
        Assert.False(vm.Vm.Redistributors[0].EnableLpis);
    }

    // ------------------------------------------------------------------ GICR_PROPBASER

    [Fact]
    public void PropBaser_ReadsKvmInitialValue_WhenTheVmIsBare()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x580UL, vm.ReadRd(3, RedistributorRegister.PropertyBase));
    }

    [Fact]
    public void PropBaser_IsOneValueForTheWholeVm_WhenWrittenThroughAnyRedistributor()
    {
        var vm = HostBuilder.BareVm();
        vm.WriteRd(1, RedistributorRegister.PropertyBase, 0x40_0000 | (1UL << 10) | (3UL << 7) | 13);
        for (uint vcpu = 0; vcpu < 4; vcpu++)
        {
            Assert.Equal(0x40_0000UL | (1UL << 10) | (3UL << 7) | 13, vm.ReadRd(vcpu, RedistributorRegister.PropertyBase));
        }
    }

    [Fact]
    public void PropBaser_ForcesRes0BitsAndSanitisesOuterCache_WhenWritten()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x000F_FFFF_FFFF_FF9FUL, vm.WriteRd(0, RedistributorRegister.PropertyBase, ulong.MaxValue));
    }

    [Fact]
    public void PropBaser_IgnoresTheWrite_OnlyWhenTheWritingVcpuHasEnableLpis()
    {
        var vm = HostBuilder.ReadyVm();
        var before = vm.ReadRd(0, RedistributorRegister.PropertyBase);

        vm.WriteRd(0, RedistributorRegister.PropertyBase, 0x50_0000);
        Assert.Equal(before, vm.ReadRd(0, RedistributorRegister.PropertyBase));

        vm.SetEnableLpis(3, false);
        vm.WriteRd(3, RedistributorRegister.PropertyBase, 0x50_0000);
        Assert.Equal(0x50_0000UL | RaWb, vm.ReadRd(0, RedistributorRegister.PropertyBase));
    }

    // ------------------------------------------------------------------ GICR_PENDBASER

    [Fact]
    public void PendBaser_StoresPtzButReadsItAsZero_WhenWritten()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x30_0000UL | RaWb, vm.WriteRd(0, RedistributorRegister.PendingBase, 0x30_0000 | RaWb | Ptz));
        Assert.Equal(0x30_0000UL | RaWb | Ptz, vm.Vm.Redistributors[0].PendBaser);
    }

    [Fact]
    public void PendBaser_ForcesRes0BitsAndSanitisesOuterCache_WhenWritten()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x000F_FFFF_FFFF_0F80UL, vm.WriteRd(0, RedistributorRegister.PendingBase, ulong.MaxValue));
        Assert.Equal(0x400F_FFFF_FFFF_0F80UL, vm.Vm.Redistributors[0].PendBaser);
    }

    [Fact]
    public void PendBaser_IgnoresWrites_WhileThisVcpuHasEnableLpis()
    {
        var vm = HostBuilder.ReadyVm();
        var before = vm.ReadRd(1, RedistributorRegister.PendingBase);
        vm.WriteRd(1, RedistributorRegister.PendingBase, 0x70_0000);
        Assert.Equal(before, vm.ReadRd(1, RedistributorRegister.PendingBase));
        Assert.Equal(ReadyLayout.PendingTable(1), vm.Vm.Redistributors[1].PendingTableAddress);
    }

    [Fact]
    public void PendBaser_IsPerVcpu_WhenWritten()
    {
        var vm = HostBuilder.BareVm();
        vm.WriteRd(1, RedistributorRegister.PendingBase, 0x30_0000);
        Assert.Equal(0UL, vm.ReadRd(0, RedistributorRegister.PendingBase));
        Assert.Equal(0x30_0000UL | RaWb, vm.ReadRd(1, RedistributorRegister.PendingBase)); // InnerCache nCnB becomes RaWb
    }

    // ------------------------------------------------------------------ GICR_INVLPIR, GICR_INVALLR, GICR_SYNCR

    [Fact]
    public void Invlpir_RereadsThePropertyByteOfThatLpi_WhateverItsTarget()
    {
        var vm = MappedVm();
        vm.SetLpi(8192, enabled: false, priority: 0x30);
        Assert.True(vm.Lpi(8192).Enabled);

        vm.WriteRd(2, RedistributorRegister.InvalidateLpi, 8192);

        Assert.False(vm.Lpi(8192).Enabled);
        Assert.Equal(0x30, vm.Lpi(8192).Priority);
    }

    [Theory]
    [InlineData("upper half")]
    [InlineData("EnableLPIs clear")]
    [InlineData("not an LPI")]
    public void Invlpir_IsIgnored_WhenKvmDropsTheWrite(string why)
    {
        var vm = MappedVm();
        vm.SetLpi(8192, enabled: false, priority: 0x30);
        switch (why)
        {
            case "upper half":
                vm.WriteRd(0, RedistributorRegister.InvalidateLpi, 8192, offset: 4, length: 4);
                break;
            case "EnableLPIs clear":
                vm.SetEnableLpis(0, false);
                vm.WriteRd(0, RedistributorRegister.InvalidateLpi, 8192);
                break;
            default:
                vm.WriteRd(0, RedistributorRegister.InvalidateLpi, 8192UL << 32 | 8191);
                break;
        }

        Assert.True(vm.Lpi(8192).Enabled);
        Assert.Equal(0xA0, vm.Lpi(8192).Priority);
    }

    [Fact]
    public void Invallr_RereadsEveryLpiTargetingThisVcpuOnly_WhenWritten()
    {
        var vm = MappedVm();
        foreach (var intId in new uint[] { 8192, 8193, 8194 })
        {
            vm.SetLpi(intId, enabled: true, priority: 0x10);
        }

        vm.WriteRd(0, RedistributorRegister.InvalidateAll, 0);

        Assert.Equal(0x10, vm.Lpi(8192).Priority);
        Assert.Equal(0x10, vm.Lpi(8194).Priority);
        Assert.Equal(0xA0, vm.Lpi(8193).Priority);
    }

    [Fact]
    public void Invallr_IsIgnored_WhenEnableLpisIsClear()
    {
        var vm = MappedVm();
        vm.SetLpi(8192, enabled: true, priority: 0x10);
        vm.SetEnableLpis(0, false);
        vm.WriteRd(0, RedistributorRegister.InvalidateAll, 0);
        Assert.Equal(0xA0, vm.Lpi(8192).Priority);
    }

    [Fact]
    public void Syncr_ReadsZero_BecauseInvalidationsCompleteSynchronously()
    {
        var vm = MappedVm();
        vm.WriteRd(0, RedistributorRegister.InvalidateAll, 0);
        Assert.Equal(0UL, vm.ReadRd(0, RedistributorRegister.Synchronize));
    }

    [Theory]
    [InlineData(RedistributorRegister.SetLpiPending)]
    [InlineData(RedistributorRegister.ClearLpiPending)]
    public void SetAndClearLpir_ReadAsZeroAndIgnoreWrites_BecauseDirectLpiIsZero(RedistributorRegister register)
    {
        var vm = MappedVm();
        var before = vm.Snapshot();
        Assert.Equal(0UL, vm.WriteRd(0, register, 8192));
        Assert.Equal(before, vm.Snapshot());
    }

    // ------------------------------------------------------------------ GICR_TYPER, GICR_IIDR

    [Theory]
    [InlineData(0u, 0x0000_0000_0000_0001UL)]
    [InlineData(1u, 0x0000_0001_0000_0101UL)]
    [InlineData(17u, 0x0000_0101_0000_1101UL)]
    [InlineData(300u, 0x0000_120C_0001_2C11UL)]
    public void Typer_ReportsAffinityProcessorNumberLastAndPlpis_ForSeveralVcpuIds(uint vcpu, ulong expected)
    {
        var vm = HostBuilder.BareVm(vcpus: 301, memoryMiB: 1);
        Assert.Equal(expected, vm.ReadRd(vcpu, RedistributorRegister.Type));
        Assert.Equal(vcpu, (uint)((expected >> 8) & 0xFFFF));
    }

    [Fact]
    public void Iidr_Reads0x4B00043B()
    {
        var vm = HostBuilder.BareVm();
        Assert.Equal(0x4B00_043BUL, vm.ReadRd(0, RedistributorRegister.ImplementerId));
    }

    [Fact]
    public void WriteRedistributorRegister_IsRefused_WhenTheVcpuDoesNotExist()
    {
        var vm = HostBuilder.BareVm();
        vm.Refuse(new WriteRedistributorRegister(vm.Id, 4, RedistributorRegister.Control, 0, 4, 1));
    }
}
