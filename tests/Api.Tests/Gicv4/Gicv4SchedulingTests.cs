using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Gicv4.Gicv4Steps;

namespace GicService.Api.Tests.Gicv4;

/// <summary>
/// The scheduling and doorbell rules of spec/vgic-v4.md §4 and §5 (current): what vcpu_load, vcpu_put and
/// WFI write to the host ITS and redistributors, in order, and what a doorbell does. v4.0 runs with and
/// without DirectLPI (GICR_INVLPIR/CLRLPIR instead of the proxy device); v4.1 always has it.
/// </summary>
public sealed class Gicv4SchedulingTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    private static ulong Value(JsonNode redistributorOp) => Convert.ToUInt64(((string)redistributorOp["value"]!)[2..], 16);

    private static ulong Hex(JsonNode node) => Convert.ToUInt64(((string)node!)[2..], 16);

    [Theory]
    [MemberData(nameof(Gicv4Hosts.VersionsAndDirectLpi), MemberType = typeof(Gicv4Hosts))]
    public async Task Load_IssuesVmovpBeforeTheVpendbaserWrite_WhenTheVcpuMovesToAnotherPcpu(string version, bool directLpi)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: Gicv4Hosts.Options(version, directLpi));
        var vpe1 = await g.Vpe(1);
        var vpeId = (int)vpe1["vpeId"]!;
        await _client.Post($"{g.Vm}/vcpus/0/put");
        await _client.Post($"{g.Vm}/vcpus/1/put");
        var mark = await g.Mark();

        await _client.Post($"{g.Vm}/vcpus/1/load", new { pcpu = 0 });

        var events = await g.CheckedEventsAfter(mark);
        string[] expected = (version, directLpi) switch
        {
            // §4.2 step 1: VMOVP, and the v4.0 doorbell follows (MOVI of its proxy event, or GICR_CLRLPIR on the old RD);
            // step 2: GICR_VPROPBASER and GICR_VPENDBASER.Valid=1; step 3: the stale doorbell cleared.
            ("v4.0", false) => ["VMOVP", "VSYNC", "MOVI", "SYNC", "GICR_VPROPBASER", "GICR_VPENDBASER", "CLEAR", "SYNC"],
            ("v4.0", true) => ["VMOVP", "VSYNC", "GICR_CLRLPIR", "GICR_VPROPBASER", "GICR_VPENDBASER", "GICR_CLRLPIR"],
            _ => ["VMOVP", "VSYNC", "GICR_VPENDBASER"],
        };
        Assert.Equal(expected, events.HostOps());
        var vmovp = Assert.Single(events.Commands("VMOVP"));
        Assert.Equal(vpeId, (int)vmovp["vpeId"]!);
        Assert.Equal(0UL, (ulong)vmovp["rdBase"]!);
        Assert.Equal(version == "v4.1", (bool)vmovp["db"]!); // v4.1: DB=1 with the default doorbell
        Assert.Equal(version == "v4.1", (uint)vmovp["defaultDoorbell"]! != 0);
        if (version == "v4.0" && !directLpi)
        {
            var movi = Assert.Single(events.Commands("MOVI"));
            Assert.Equal(0xFFFFu, (uint)movi["deviceId"]!);
            Assert.Equal(0u, (uint)movi["collectionId"]!);
        }
        else if (version == "v4.0")
        {
            var clears = events.RedistributorOps("CLRLPIR");
            Assert.Equal([1, 0], clears.Select(c => (int)c["pcpu"]!)); // the old RD, then (after Valid=1) the new one
            Assert.All(clears, c => Assert.Equal((uint)vpe1["doorbellLpi"]!, (uint)c["intId"]!));
        }

        var vpendbaser = Assert.Single(events.RedistributorOps("VPENDBASER"));
        Assert.Equal(0, (int)vpendbaser["pcpu"]!);
        Assert.Equal(version == "v4.0"
            ? VpendValid | VpendIdaiOrDb | VpendPendingLast | Hex(vpe1["vptAddress"]!)
            : VpendValid | VpendVgrp1En | (uint)vpeId, Value(vpendbaser));
        var types = events.Select(e => (string)e["type"]!).ToList();
        Assert.Equal(types.Count - 1, types.IndexOf("VcpuLoaded")); // VcpuLoaded once resident, after any VMOVP
        Assert.Equal(vpeId, (int)(await _client.Get($"/api/hosts/{g.HostId}/pcpus"))[0]!["vpeId"]!);

        // A load on the pCPU it last ran on moves nothing.
        await _client.Post($"{g.Vm}/vcpus/1/put");
        mark = await g.Mark();
        await _client.Post($"{g.Vm}/vcpus/1/load", new { pcpu = 0 });
        Assert.DoesNotContain("VMOVP", await g.HostOpsAfter(mark));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.VersionsAndDirectLpi), MemberType = typeof(Gicv4Hosts))]
    public async Task FirstLoad_MapsTheV40ProxyEventAndMovesIt_WhenTheVpeMovesForTheFirstTime(string version, bool directLpi)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false, hostOptions: Gicv4Hosts.Options(version, directLpi));

        // The fixture loaded vCPU 0 on pCPU 0 (where VMAPP put every vPE), then vCPU 1 on pCPU 1: a first move.
        var events = await g.CheckedEventsAfter(0);
        var loads = events.Select((e, i) => (e, i)).Where(x => (string)x.e["type"]! == "VcpuLoaded").Select(x => x.i).ToList();
        var firstMove = events.Skip(loads[0] + 1).Take(loads[1] - loads[0] - 1).HostOps();
        string[] expected = (version, directLpi) switch
        {
            // §8: the doorbell's proxy event is MAPTI'd at the vPE's first VMOVP, and every VMOVP is followed by MOVI + SYNC.
            ("v4.0", false) => ["VMOVP", "VSYNC", "MAPTI", "SYNC", "MOVI", "SYNC", "GICR_VPROPBASER", "GICR_VPENDBASER", "CLEAR", "SYNC"],
            ("v4.0", true) => ["VMOVP", "VSYNC", "GICR_CLRLPIR", "GICR_VPROPBASER", "GICR_VPENDBASER", "GICR_CLRLPIR"],
            _ => ["VMOVP", "VSYNC", "GICR_VPENDBASER"],
        };
        Assert.Equal(expected, firstMove);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.VersionsAndDirectLpi), MemberType = typeof(Gicv4Hosts))]
    public async Task Unblock_MasksTheV40DoorbellBeforeValidAndClearsItAfter(string version, bool directLpi)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: Gicv4Hosts.Options(version, directLpi));
        var vpe1 = await g.Vpe(1);
        await _client.Post($"{g.Vm}/vcpus/1/block");
        var mark = await g.Mark();

        var state = await _client.Post($"{g.Vm}/vcpus/1/unblock");

        var events = await g.CheckedEventsAfter(mark);
        string[] expected = (version, directLpi) switch
        {
            ("v4.0", false) => ["INV", "SYNC", "GICR_VPROPBASER", "GICR_VPENDBASER", "CLEAR", "SYNC"],
            ("v4.0", true) => ["GICR_INVLPIR", "GICR_VPROPBASER", "GICR_VPENDBASER", "GICR_CLRLPIR"],
            _ => ["GICR_VPENDBASER"], // v4.1: making the vPE resident disarms the doorbell implicitly
        };
        Assert.Equal(expected, events.HostOps());
        if (version == "v4.0" && !directLpi)
        {
            var inv = Assert.Single(events.Commands("INV"));
            var clear = Assert.Single(events.Commands("CLEAR"));
            Assert.Equal(0xFFFFu, (uint)inv["deviceId"]!);
            Assert.Equal(0xFFFFu, (uint)clear["deviceId"]!);
            Assert.Equal((uint)inv["eventId"]!, (uint)clear["eventId"]!);
        }
        else if (version == "v4.0")
        {
            Assert.Equal((uint)vpe1["doorbellLpi"]!, (uint)Assert.Single(events.RedistributorOps("INVLPIR"))["intId"]!);
            Assert.Equal((uint)vpe1["doorbellLpi"]!, (uint)Assert.Single(events.RedistributorOps("CLRLPIR"))["intId"]!);
        }

        Assert.True((Value(Assert.Single(events.RedistributorOps("VPENDBASER"))) & VpendValid) != 0);
        Assert.Equal("running", (string)state["state"]!);
        Assert.True((bool)state["resident"]!);
        Assert.False((bool)state["doorbellArmed"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.VersionsAndDirectLpi), MemberType = typeof(Gicv4Hosts))]
    public async Task Block_ArmsTheDoorbellBeforeValidIsCleared_OrInTheSameWriteOnV41(string version, bool directLpi)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: Gicv4Hosts.Options(version, directLpi));
        var vpe1 = await g.Vpe(1);
        var mark = await g.Mark();

        var state = await _client.Post($"{g.Vm}/vcpus/1/block");

        var events = await g.CheckedEventsAfter(mark);
        string[] expected = (version, directLpi) switch
        {
            ("v4.0", false) => ["INV", "SYNC", "GICR_VPENDBASER"], // unmask: property byte + INV of the proxy event
            ("v4.0", true) => ["GICR_INVLPIR", "GICR_VPENDBASER"],
            _ => ["GICR_VPENDBASER"],
        };
        Assert.Equal(expected, events.HostOps());
        var vpendbaser = Value(Assert.Single(events.RedistributorOps("VPENDBASER")));
        Assert.Equal(version == "v4.0"
            ? VpendIdaiOrDb | VpendPendingLast | Hex(vpe1["vptAddress"]!) // the value read back, only Valid cleared
            : VpendIdaiOrDb, vpendbaser); // v4.1: Valid=0, PendingLast=0, DB=1
        Assert.Equal(["VcpuPut", "VcpuBlocked"], events.Where(e => (string)e["type"]! is "VcpuPut" or "VcpuBlocked").Select(e => (string)e["type"]!));
        Assert.Equal("block", (string)events.OfType("VcpuPut")[0]["reason"]!);
        Assert.Equal("blocked", (string)state["state"]!);
        Assert.False((bool)state["resident"]!);
        Assert.True((bool)state["doorbellArmed"]!);
        Assert.False((bool)state["pendingLast"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.VersionsAndDirectLpi), MemberType = typeof(Gicv4Hosts))]
    public async Task Put_DeschedulesWithoutArmingTheDoorbell(string version, bool directLpi)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: Gicv4Hosts.Options(version, directLpi));
        var vpe1 = await g.Vpe(1);
        var mark = await g.Mark();

        var state = await _client.Post($"{g.Vm}/vcpus/1/put");

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["GICR_VPENDBASER"], events.HostOps());
        Assert.Equal(version == "v4.0"
            ? VpendIdaiOrDb | VpendPendingLast | Hex(vpe1["vptAddress"]!)
            : VpendPendingLast, Value(Assert.Single(events.RedistributorOps("VPENDBASER")))); // v4.1: "we will be back"
        Assert.Equal("preempted", (string)state["state"]!);
        Assert.False((bool)state["doorbellArmed"]!);
        Assert.Equal(version == "v4.1", (bool)state["pendingLast"]!);

        var trigger = await g.Trigger(2);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        Assert.False((bool)trigger["doorbell"]!);
        Assert.Empty((await g.EventsAfter(mark)).OfType("DoorbellFired"));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task LoadWhileBlocked_KeepsTheDoorbellArmedAndTheVpeNonResident(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        await _client.Post($"{g.Vm}/vcpus/0/put");
        await _client.Post($"{g.Vm}/vcpus/1/block");
        var mark = await g.Mark();

        var state = await _client.Post($"{g.Vm}/vcpus/1/load", new { pcpu = 0 });

        Assert.Equal("blocked", (string)state["state"]!);
        Assert.False((bool)state["resident"]!);
        Assert.True((bool)state["doorbellArmed"]!);
        Assert.Equal(0, (int)state["pcpu"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Empty(events.OfType("VcpuLoaded"));
        Assert.False((bool)(await g.Vpe(1))["resident"]!);

        var trigger = await g.Trigger(2);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        Assert.True((bool)trigger["doorbell"]!);

        // Woken, it becomes resident on the pCPU it was loaded on: the VMOVP happens now.
        mark = await g.Mark();
        state = await _client.Post($"{g.Vm}/vcpus/1/unblock");
        Assert.Equal("VMOVP", (await g.HostOpsAfter(mark))[0]);
        Assert.True((bool)state["resident"]!);
        Assert.Equal(0, (int)state["pcpu"]!);
        Assert.Equal(8194, await g.Ack(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.VersionsAndDirectLpi), MemberType = typeof(Gicv4Hosts))]
    public async Task Doorbell_SetsPendingLastAndShowsInTheVcpuState_WhenAVlpiArrivesForABlockedVcpu(string version, bool directLpi)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: Gicv4Hosts.Options(version, directLpi));
        var vpeId = await g.VpeId(1);
        await _client.Post($"{g.Vm}/vcpus/1/block");
        var mark = await g.Mark();

        var trigger = await g.Trigger(2);

        Assert.Equal("vlpi", (string)trigger["path"]!);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        Assert.True((bool)trigger["doorbell"]!);
        var events = await g.CheckedEventsAfter(mark);
        var doorbell = Assert.Single(events.OfType("DoorbellFired"));
        Assert.Equal(1, (int)doorbell["vcpu"]!);
        Assert.Equal(vpeId, (int)doorbell["vpeId"]!);
        Assert.Equal(8194, (int)doorbell["intId"]!);
        string[] expected = (version, directLpi) switch
        {
            ("v4.0", false) => ["INV", "SYNC"], // the v4.0 handler masks its doorbell: one shot
            ("v4.0", true) => ["GICR_INVLPIR"],
            _ => [],
        };
        Assert.Equal(expected, events.HostOps());
        var state = await g.Vcpu(1);
        Assert.True((bool)state["pendingLast"]!);
        Assert.False((bool)state["doorbellArmed"]!);
        Assert.Equal("blocked", (string)state["state"]!);
        Assert.Equal(["8194/vlpi"], await g.Pending(1));
        Assert.True((bool)(await g.Vpe(1))["pendingLast"]!);

        // The doorbell fired once; the next VLPI waits in the VPT without another.
        var second = await g.Trigger(3);
        Assert.Equal("pending", (string)second["outcome"]!);
        Assert.False((bool)second["doorbell"]!);
        Assert.Single((await g.EventsAfter(mark)).OfType("DoorbellFired"));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task PerVlpiDoorbell_FollowsTheEnableBit_SoADisabledVlpiRingsNoDoorbell(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vpe1 = await g.Vpe(1);
        await g.SetLpiConfig(8194, enabled: false);
        var mark = await g.Mark();

        await g.RunOk(Gicv4Steps.Inv(2));

        var events = await g.CheckedEventsAfter(mark);
        if (version == "v4.0")
        {
            // its_vlpi_set_doorbell: a VMOVI to the same vPE with Dbell_pINTID 1023.
            Assert.Equal(["INV", "VSYNC", "VMOVI", "VSYNC"], events.HostOps());
            var vmovi = Assert.Single(events.Commands("VMOVI"));
            Assert.Equal((int)vpe1["vpeId"]!, (int)vmovi["vpeId"]!);
            Assert.Equal(2u, (uint)vmovi["eventId"]!);
            Assert.Equal(1023u, (uint)vmovi["intId"]!);
            Assert.False((bool)(await g.Vlpis()).Single(v => (int)v["eventId"]! == 2)["dbEnabled"]!);
        }
        else
        {
            Assert.Equal(["GICR_INVLPIR"], events.HostOps()); // v4.1 has no per-VLPI doorbell
        }

        await _client.Post($"{g.Vm}/vcpus/1/block");
        mark = await g.Mark();
        var trigger = await g.Trigger(2);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        Assert.False((bool)trigger["doorbell"]!);
        Assert.Empty((await g.EventsAfter(mark)).OfType("DoorbellFired"));
        var state = await g.Vcpu(1);
        Assert.True((bool)state["doorbellArmed"]!);
        Assert.False((bool)state["pendingLast"]!);
        var pending = Assert.Single(state["pending"]!.AsArray())!;
        Assert.Equal(8194, (int)pending["intId"]!);
        Assert.False((bool)pending["enabled"]!);

        // Enabled again: on v4.0 the doorbell comes back with the enable bit (VMOVI naming the vPE's doorbell LPI).
        await g.SetLpiConfig(8194, enabled: true);
        mark = await g.Mark();
        await g.RunOk(Gicv4Steps.Inv(2));
        events = await g.CheckedEventsAfter(mark);
        if (version == "v4.0")
        {
            Assert.Equal(["INV", "VSYNC", "VMOVI", "VSYNC"], events.HostOps().Take(4));
            Assert.Equal((uint)vpe1["doorbellLpi"]!, (uint)Assert.Single(events.Commands("VMOVI"))["intId"]!);
            Assert.True((bool)(await g.Vlpis()).Single(v => (int)v["eventId"]! == 2)["dbEnabled"]!);
        }
        else
        {
            Assert.Equal("GICR_INVLPIR", events.HostOps()[0]);
        }
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Vlpi_IsDeliveredWithoutDoorbellOrHostCommand_WhenItsVpeIsResident(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var mark = await g.Mark();

        var trigger = await g.Trigger(0);

        Assert.Equal("vlpi", (string)trigger["path"]!);
        Assert.Equal("delivered", (string)trigger["outcome"]!);
        Assert.Equal(8192, (int)trigger["intId"]!);
        Assert.Equal(0, (int)trigger["vcpu"]!);
        Assert.False((bool)trigger["doorbell"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["MsixVectorTriggered", "VlpiDelivered"], events.Select(e => (string)e["type"]!));
        var delivered = events[1];
        Assert.Equal(0, (int)delivered["pcpu"]!);
        Assert.Equal(await g.HostIrq(0), (uint)delivered["hostIrq"]!);
        var ack = await g.Client.Ack(g.Vm, 0);
        Assert.Equal(8192, (int)ack["intId"]!);
        Assert.Equal("vlpi", (string)ack["source"]!);
    }
}
