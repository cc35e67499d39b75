using System.Text.Json;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Hosts;

/// <summary>A host refuses what would take it beyond its limits, naming the limit, and changes nothing.</summary>
public sealed class HostLimitsTests
{
    private static readonly HostLimits Small = new(Vms: 1, VcpusPerVm: 2, VfioDevices: 1, VectorsPerDevice: 4, GuestMemoryBytesPerVm: 2 * 4096);

    private static Host NewHost() => Host.Create(new HostConfiguration("h1", 4, GicVersion.V4_1, Limits: Small), out _);

    [Fact]
    public void CreateVm_BeyondVcpusOrVms_IsRefusedNamingTheLimit()
    {
        var host = NewHost();
        AssertRefused(host, new CreateVm("a", 3, 64, VmSetup.Bare), HostLimits.Names.VcpusPerVm);
        Assert.True(host.Apply(new CreateVm("a", 2, 64, VmSetup.Bare)).Accepted);
        AssertRefused(host, new CreateVm("b", 1, 64, VmSetup.Bare), HostLimits.Names.Vms);
    }

    [Fact]
    public void AssignVfioDevice_BeyondVectorsOrDevices_IsRefusedNamingTheLimit()
    {
        var host = NewHost();
        host.Apply(new CreateVm("a", 1, 64, VmSetup.Bare));
        AssertRefused(host, new AssignVfioDevice(null, "0000:01:00.0", 5, "a", 1), HostLimits.Names.VectorsPerDevice);
        Assert.True(host.Apply(new AssignVfioDevice(null, "0000:01:00.0", 4, "a", 1)).Accepted);
        AssertRefused(host, new AssignVfioDevice(null, "0000:02:00.0", 1, "a", 2), HostLimits.Names.VfioDevices);
    }

    [Fact]
    public void WriteGuestMemory_PopulatingMorePagesThanTheLimit_IsRefusedWhole()
    {
        var host = NewHost();
        host.Apply(new CreateVm("a", 1, 64, VmSetup.Bare));
        Assert.True(host.Apply(new WriteGuestMemory("a", 0x0, [1])).Accepted);
        Assert.True(host.Apply(new WriteGuestMemory("a", 0x1ffe, [2, 2])).Accepted); // page 1: two pages in all
        Assert.True(host.Apply(new WriteGuestMemory("a", 0x10, new byte[4000])).Accepted); // within page 0
        AssertRefused(host, new WriteGuestMemory("a", 0x1fff, [3, 3]), HostLimits.Names.GuestMemoryBytesPerVm);
        Assert.Equal(2, host.FindVm("a")!.Memory.PopulatedPages);
    }

    [Fact]
    public void Limits_SurviveASnapshot_AndAConfigurationWithoutThem_HasOnlyTheArchitecturalOnes()
    {
        var host = NewHost();
        Assert.Equal(Small, Host.FromSnapshot(host.TakeSnapshot()).Configuration.EffectiveLimits);

        var old = JsonSerializer.Deserialize<HostConfiguration>("""{"Id":"h","Pcpus":1,"GicVersion":0}""")!;
        Assert.Equal(HostLimits.Architectural, old.EffectiveLimits);
    }

    private static void AssertRefused(Host host, HostInput input, string limit)
    {
        var before = host.TakeSnapshot();
        var applied = host.Apply(input);
        Assert.Equal(RejectionKind.LimitExceeded, applied.Rejection?.Kind);
        Assert.Equal(limit, applied.Rejection?.Limit);
        Assert.Empty(applied.Events);
        Assert.Equal(JsonSerializer.Serialize(before), JsonSerializer.Serialize(host.TakeSnapshot()));
    }
}
