using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Bridge;

/// <summary>Corners of the vgic-v4 bridge the property test found, pinned on a host built through Host.Apply.</summary>
public sealed class VgicV4BridgeTests
{
    /// <summary>A v4.1 host, vm1 (2 vCPUs, both loaded), a NIC whose vector 0 forwards event 0 of device 8 to LPI 8192 on vCPU 0.</summary>
    private static TestVm ForwardedVm()
    {
        var host = Host.Create(new HostConfiguration("h1", 2, GicVersion.V4_1), out var created);
        var vm = new TestVm(host, "vm1", created);
        vm.Accept(new CreateVm("vm1", 2, 32, VmSetup.Ready));
        vm.Accept(new AssignVfioDevice("nic", "0000:01:00.0", 1, "vm1", 8));
        vm.RunOk(TestVm.MapDevice(8), TestVm.MapCollection(0, 0), TestVm.Map(8, 0, 8192, 0));
        vm.Load(0, 0);
        vm.Load(1, 1);
        vm.Accept(new ProgramMsixVector("nic", 0, Vm.ItsBase + VirtualIts.TranslaterOffset, 0, false));
        Assert.True(vm.Lpi(8192).IsForwarded);
        return vm;
    }

    [Fact]
    public void PendingTableSync_MakesTheVlpiPendingNeverTheLatch_WhenTheLpiIsForwarded()
    {
        var vm = ForwardedVm();
        vm.Accept(new PutVcpu("vm1", 0));
        Assert.Equal("pending", vm.Accept(new TriggerMsixVector("nic", 0)).Outcome);
        vm.Save(); // v4.1: the VLPI's pending bit is read from the VPT into vCPU 0's pending table
        Assert.True(vm.PendingBit(0, 8192));

        // The guest re-enables LPIs on vCPU 0 with a pending table it says is not zeroed: KVM re-reads it (its_sync_lpi_pending_table).
        vm.SetEnableLpis(0, false);
        vm.WriteRd(0, RedistributorRegister.PendingBase, ReadyLayout.PendingTable(0) | (1UL << 10) | (3UL << 7));
        vm.SetEnableLpis(0, true);

        Assert.Empty(vm.Host.CheckInvariants());
        Assert.False(vm.Lpi(8192).Pending); // never the software latch of a hw LPI (spec/vgic-v4.md §7.9)
        Assert.Equal([8192u], vm.Host.HostIts.FindVpe("vm1", 0)!.PendingVlpis);
        Assert.DoesNotContain(vm.LastEvents, e => e is LpiPending);
        vm.Load(0, 0);
        Assert.Equal(8192u, vm.Ack(0));
        Assert.Null(vm.Ack(0));
    }

    [Fact]
    public void SetForwarding_LeavesNoSoftwareStateBehind_WhenAPendingTableSyncClearedAQueuedLpi()
    {
        var host = Host.Create(new HostConfiguration("h1", 2, GicVersion.V4_0), out var created);
        var vm = new TestVm(host, "vm1", created);
        vm.Accept(new CreateVm("vm1", 2, 32, VmSetup.Ready));
        vm.Accept(new AssignVfioDevice("nic", "0000:01:00.0", 1, "vm1", 8));
        vm.RunOk(TestVm.MapDevice(8), TestVm.MapCollection(0, 0), TestVm.MapCollection(1, 1), TestVm.Map(8, 0, 8192, 1));
        Assert.True(vm.Msi(8, 0).Pending); // pending and queued on vCPU 1

        // vCPU 0 turns LPIs off, moves its pending table (no PTZ), the LPI moves to it, and LPIs come back on: the table's
        // clear bit drops the pending state, and the LPI leaves the vCPU's list with it (vgic_prune_ap_list).
        vm.SetEnableLpis(0, false);
        vm.WriteRd(0, RedistributorRegister.PendingBase, ReadyLayout.PendingTable(0) | (1UL << 10) | (3UL << 7));
        vm.RunOk(TestVm.Movi(8, 0, 0));
        vm.SetEnableLpis(0, true);
        Assert.Contains(vm.LastEvents, e => e is PendingDropped { IntId: 8192, Source: InterruptSource.Lpi });
        Assert.False(vm.Lpi(8192).Pending);
        Assert.False(vm.Lpi(8192).Queued);

        vm.Accept(new ProgramMsixVector("nic", 0, Vm.ItsBase + VirtualIts.TranslaterOffset, 0, false));

        Assert.True(vm.Lpi(8192).IsForwarded);
        Assert.Empty(host.CheckInvariants());
        Assert.Empty(host.HostIts.FindVpe("vm1", 0)!.PendingVlpis);
    }
}
