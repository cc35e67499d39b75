using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Hosts;

/// <summary>Builds a host with one VM, as the tests need it.</summary>
internal static class HostBuilder
{
    public const string HostId = "h1";
    public const string VmId = "vm1";

    /// <summary>A VM whose guest has done the boot-time ITS set-up (design/api.md, setup "ready").</summary>
    public static TestVm ReadyVm(int vcpus = 4, int memoryMiB = TestVm.DefaultMemoryMiB) => Create(vcpus, memoryMiB, VmSetup.Ready);

    /// <summary>A VM as KVM presents it: nothing programmed.</summary>
    public static TestVm BareVm(int vcpus = 4, int memoryMiB = TestVm.DefaultMemoryMiB) => Create(vcpus, memoryMiB, VmSetup.Bare);

    /// <summary>
    /// A ready VM with device 1 (32 events) and collections 0 -> vCPU 0 and 1 -> vCPU 1; events 0, 1, 2 of
    /// device 1 map LPIs 8192 (ICID 0), 8193 (ICID 1), 8194 (ICID 0); an MSI made 8192 pending and cached
    /// its translation.
    /// </summary>
    public static TestVm PopulatedVm()
    {
        var vm = ReadyVm();
        vm.RunOk(
            TestVm.MapDevice(1),
            TestVm.MapCollection(0, 0),
            TestVm.MapCollection(1, 1),
            TestVm.Map(1, 0, 8192, 0),
            TestVm.Map(1, 1, 8193, 1),
            TestVm.Map(1, 2, 8194, 0));
        Assert.True(vm.Msi(1, 0).Pending);
        Assert.Equal(1, vm.Its.Cache.Count);
        return vm;
    }

    /// <summary>
    /// A ready VM whose device and collection tables were replaced, while the ITS was briefly disabled and
    /// before anything was mapped, by <paramref name="baser0"/> and <paramref name="baser1"/>.
    /// </summary>
    public static TestVm ReadyVmWithTables(ulong baser0, ulong baser1, int vcpus = 4)
    {
        var vm = ReadyVm(vcpus);
        vm.DisableIts();
        vm.WriteIts(ItsRegister.TableBase0, baser0);
        vm.WriteIts(ItsRegister.TableBase1, baser1);
        vm.EnableIts();
        Assert.True(vm.Its.Enabled);
        return vm;
    }

    private static TestVm Create(int vcpus, int memoryMiB, VmSetup setup)
    {
        var host = Host.Create(new HostConfiguration(HostId, 8, GicVersion.V4_0), out var created);
        var vm = new TestVm(host, VmId, created);
        Assert.Equal(VmId, vm.Accept(new CreateVm(VmId, vcpus, memoryMiB, setup)));
        return vm;
    }
}
