using System.Net;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Gicv4.Gicv4Steps;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Gicv4;

/// <summary>
/// One test per row of spec/vgic-v4.md §3 ("current" column): what each guest ITS command on a forwarded
/// LPI makes the bridge send to the host GICv4 ITS, on a v4.0 host (no DirectLPI) and a v4.1 host.
/// </summary>
public sealed class Gicv4GuestCommandTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Inv_RewritesTheVpropByteAndInvalidatesTheVlpi_WhenTheLpiIsForwarded(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vpe1 = await g.VpeId(1);
        await g.SetLpiConfig(8194, enabled: true, priority: 0x80);
        var mark = await g.Mark();

        await g.RunOk(Cmd("INV", Dev, 2));

        var events = await g.CheckedEventsAfter(mark);
        if (version == "v4.0")
        {
            // its_send_vinv: the architected INV on the host event, then VSYNC; the enable bit did not change, so no VMOVI.
            Assert.Equal(["INV", "VSYNC"], events.HostOps());
            var inv = Assert.Single(events.Commands("INV"));
            Assert.Equal(HostDev, (uint)inv["deviceId"]!);
            Assert.Equal(2u, (uint)inv["eventId"]!);
            Assert.Equal(vpe1, (int)Assert.Single(events.Commands("VSYNC"))["vpeId"]!);
        }
        else
        {
            // has_rvpeid forces DirectLPI: GICR_INVLPIR with V=1, the vPEID and the vINTID, never an ITS INV.
            Assert.Equal(["GICR_INVLPIR"], events.HostOps());
            var op = Assert.Single(events.RedistributorOps("INVLPIR"));
            Assert.Equal(1, (int)op["pcpu"]!);
            Assert.Equal(vpe1, (int)op["vpeId"]!);
            Assert.Equal(8194, (int)op["intId"]!);
        }

        // The new priority is the VLPI's: the host's vprop byte changed.
        Assert.Equal("delivered", (string)(await g.Trigger(2))["outcome"]!);
        var pending = Assert.Single((await g.Vcpu(1))["pending"]!.AsArray())!;
        Assert.Equal("vlpi", (string)pending["source"]!);
        Assert.Equal("0x80", (string)pending["priority"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Invall_RewritesEveryForwardedVpropByteButInvalidatesOnlyTheCollectionsVpe(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var (vpe0, vpe1) = (await g.VpeId(0), await g.VpeId(1));
        await g.SetLpiConfig(8192, enabled: false); // vCPU 0's LPI: no INV of its own
        var mark = await g.Mark();

        await g.RunOk(new { op = "INVALL", collectionId = 1 });

        var events = await g.CheckedEventsAfter(mark);
        if (version == "v4.0")
        {
            // update_lpi_config: every hw LPI's byte is rewritten (the vCPU filter only guards the software fields), so
            // 8192's doorbell follows its enable bit by a VMOVI to the same vPE; then VINVALL for vCPU 1's vPE only.
            Assert.Equal(["VMOVI", "VSYNC", "VINVALL", "VSYNC"], events.HostOps());
            var vmovi = Assert.Single(events.Commands("VMOVI"));
            Assert.Equal(0u, (uint)vmovi["eventId"]!);
            Assert.Equal(vpe0, (int)vmovi["vpeId"]!);
            Assert.Equal(1023u, (uint)vmovi["intId"]!);
            Assert.Equal(vpe1, (int)Assert.Single(events.Commands("VINVALL"))["vpeId"]!);
            Assert.False((bool)(await g.Vlpis()).Single(v => (int)v["eventId"]! == 0)["dbEnabled"]!);
        }
        else
        {
            // its_vpe_4_1_invall: GICR_INVALLR on the redistributor the vPE is routed to, no ITS command.
            Assert.Equal(["GICR_INVALLR"], events.HostOps());
            var op = Assert.Single(events.RedistributorOps("INVALLR"));
            Assert.Equal(vpe1, (int)op["vpeId"]!);
            Assert.Equal(1, (int)op["pcpu"]!);
        }

        // 8192's vprop byte now says disabled: a device MSI leaves it pending, not delivered.
        Assert.Equal("pending", (string)(await g.Trigger(0))["outcome"]!);

        // An unmapped collection: INVALL_UNMAPPED_COLLECTION and nothing for the host.
        mark = await g.Mark();
        var failed = Assert.Single(await g.Run(new { op = "INVALL", collectionId = 5 }))!;
        Assert.Equal("INVALL_UNMAPPED_COLLECTION", ErrorName(failed));
        Assert.Empty(await g.HostOpsAfter(mark));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task GuestDirectInvalidation_SendsTheHostWhatInvAndInvallSend(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vpe1 = await g.VpeId(1);
        await g.SetLpiConfig(8194, enabled: true, priority: 0x40);

        var mark = await g.Mark();
        await _client.Put($"{g.Vm}/vcpus/1/redistributor/GICR_INVLPIR", new { value = 8194 });
        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(version == "v4.0" ? ["INV", "VSYNC"] : ["GICR_INVLPIR"], events.HostOps());

        mark = await g.Mark();
        await _client.Put($"{g.Vm}/vcpus/1/redistributor/GICR_INVALLR", new { value = 0 });
        events = await g.CheckedEventsAfter(mark);
        Assert.Equal(version == "v4.0" ? ["VINVALL", "VSYNC"] : ["GICR_INVALLR"], events.HostOps());
        Assert.Equal(vpe1, version == "v4.0"
            ? (int)Assert.Single(events.Commands("VINVALL"))["vpeId"]!
            : (int)Assert.Single(events.RedistributorOps("INVALLR"))["vpeId"]!);

        Assert.Equal("delivered", (string)(await g.Trigger(2))["outcome"]!);
        Assert.Equal("0x40", (string)Assert.Single((await g.Vcpu(1))["pending"]!.AsArray())!["priority"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Int_MakesTheVlpiPendingThroughTheHostIts_WhenTheLpiIsForwarded(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vpe1 = await g.VpeId(1);
        var hostIrq = await g.HostIrq(2);
        var mark = await g.Mark();

        await g.RunOk(Cmd("INT", Dev, 2));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["INT", "VSYNC"], events.HostOps());
        var hostInt = Assert.Single(events.Commands("INT"));
        Assert.Equal(HostDev, (uint)hostInt["deviceId"]!);
        Assert.Equal(2u, (uint)hostInt["eventId"]!);
        Assert.Equal(vpe1, (int)Assert.Single(events.Commands("VSYNC"))["vpeId"]!);
        var delivered = Assert.Single(events.OfType("VlpiDelivered"));
        Assert.Equal(8194, (int)delivered["intId"]!);
        Assert.Equal(1, (int)delivered["vcpu"]!);
        Assert.Equal(hostIrq, (uint)delivered["hostIrq"]!);
        Assert.Empty(events.OfType("LpiPending")); // never the software latch

        var ack = await g.Client.Ack(g.Vm, 1);
        Assert.Equal(8194, (int)ack["intId"]!);
        Assert.Equal("vlpi", (string)ack["source"]!);
        Assert.Null(await g.Ack(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Clear_ClearsThePendingVlpiThroughTheHostIts_WhenTheLpiIsForwarded(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        await _client.Post($"{g.Vm}/vcpus/1/block");
        Assert.Equal("pending", (string)(await g.Trigger(2))["outcome"]!);
        Assert.Equal(["8194/vlpi"], await g.Pending(1));
        var mark = await g.Mark();

        await g.RunOk(Cmd("CLEAR", Dev, 2));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["CLEAR", "VSYNC"], events.HostOps());
        Assert.Equal(2u, (uint)Assert.Single(events.Commands("CLEAR"))["eventId"]!);
        var dropped = Assert.Single(events.OfType("PendingDropped"));
        Assert.Equal("vlpi", (string)dropped["source"]!);
        Assert.Equal(8194, (int)dropped["intId"]!);
        Assert.Empty(await g.Pending(1));
        await _client.Post($"{g.Vm}/vcpus/1/unblock");
        Assert.Null(await g.Ack(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Discard_UnmapsTheVlpiAndReportsItsPendingStateDropped_WhenTheLpiIsForwarded(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vector = await g.Vector(2);
        var vlpiCount = (int)(await g.Vpe(1))["vlpiCount"]!;
        await _client.Post($"{g.Vm}/vcpus/1/block");
        await g.Trigger(2);
        var mark = await g.Mark();

        await g.RunOk(Cmd("DISCARD", Dev, 2));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), events.HostOps());
        var discard = Assert.Single(events.Commands("DISCARD"));
        Assert.Equal(HostDev, (uint)discard["deviceId"]!);
        Assert.Equal(2u, (uint)discard["eventId"]!);
        var mapti = Assert.Single(events.Commands("MAPTI"));
        Assert.Equal(2u, (uint)mapti["eventId"]!);
        Assert.Equal((uint)vector["hostLpi"]!, (uint)mapti["intId"]!);
        Assert.Equal(0u, (uint)mapti["collectionId"]!); // vector 2 mod 2 pCPUs
        var unset = Assert.Single(events.OfType("ForwardingUnset"));
        Assert.Equal((uint)vector["hostIrq"]!, (uint)unset["hostIrq"]!);
        Assert.Equal(8194, (int)unset["intId"]!);
        var dropped = Assert.Single(events.OfType("PendingDropped"));
        Assert.Equal("vlpi", (string)dropped["source"]!);
        Assert.Equal(8194, (int)dropped["intId"]!);

        Assert.DoesNotContain(await g.Vlpis(), v => (int)v["eventId"]! == 2);
        Assert.Equal("software", (string)(await g.Vector(2))["forwarding"]!);
        Assert.Equal(vlpiCount, (int)(await g.Vpe(1))["vlpiCount"]!); // its_free_ite() does not decrement vlpi_count

        // The irqfd stays connected: the next device MSI takes the software path and finds no translation.
        var trigger = await g.Trigger(2);
        Assert.Equal("software", (string)trigger["path"]!);
        Assert.Equal("dropped", (string)trigger["outcome"]!);
        var msiDropped = Assert.Single((await g.EventsAfter(mark)).OfType("MsiDropped"));
        Assert.Equal("INT_UNMAPPED_INTERRUPT", (string)msiDropped["itsError"]!["name"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task MaptiAndMapi_CreateNoVlpi_EvenForAnEventThatWasForwarded(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        await g.RunOk(Cmd("DISCARD", Dev, 2));
        var mark = await g.Mark();

        await g.RunOk(Mapti(Dev, 2, 8194, 1), Mapd(9, size: 13), new { op = "MAPI", deviceId = 9, eventId = 8196, collectionId = 0 });

        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Empty(events.OfType("ForwardingSet"));
        Assert.Equal("software", (string)(await g.Vector(2))["forwarding"]!);
        var forwarding = (await g.Forwardings()).Single(f => (int)f["eventId"]! == 2);
        Assert.Equal("software", (string)forwarding["mode"]!);
        Assert.Equal(8194, (int)forwarding["intId"]!);

        var trigger = await g.Trigger(2);
        Assert.Equal("software", (string)trigger["path"]!);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        var ack = await g.Client.Ack(g.Vm, 1);
        Assert.Equal(8194, (int)ack["intId"]!);
        Assert.Equal("lpi", (string)ack["source"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Movi_MovesTheVlpiByVmovi_AndItsPendingStateFollows(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var (vpe0, vpe1) = (await g.Vpe(0), await g.Vpe(1));
        await _client.Post($"{g.Vm}/vcpus/1/block");
        await g.Trigger(2); // pending in vPE 1's VPT
        var mark = await g.Mark();

        await g.RunOk(new { op = "MOVI", deviceId = Dev, eventId = 2, collectionId = 0 });

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["VMOVI", "VSYNC"], events.HostOps());
        var vmovi = Assert.Single(events.Commands("VMOVI"));
        Assert.Equal(HostDev, (uint)vmovi["deviceId"]!);
        Assert.Equal(2u, (uint)vmovi["eventId"]!);
        Assert.Equal((int)vpe0["vpeId"]!, (int)vmovi["vpeId"]!);
        Assert.True((bool)vmovi["db"]!);
        Assert.Equal(version == "v4.0" ? (uint)vpe0["doorbellLpi"]! : 1023u, (uint)vmovi["intId"]!);
        Assert.Equal((int)vpe0["vpeId"]!, (int)Assert.Single(events.Commands("VSYNC"))["vpeId"]!);
        var delivered = Assert.Single(events.OfType("VlpiDelivered")); // the GIC carries the pending state to the resident vPE
        Assert.Equal(0, (int)delivered["vcpu"]!);
        Assert.Equal(8194, (int)delivered["intId"]!);

        Assert.Equal((int)vpe0["vlpiCount"]! + 1, (int)(await g.Vpe(0))["vlpiCount"]!);
        Assert.Equal((int)vpe1["vlpiCount"]! - 1, (int)(await g.Vpe(1))["vlpiCount"]!);
        Assert.Equal((int)vpe0["vpeId"]!, (int)(await g.Vlpis()).Single(v => (int)v["eventId"]! == 2)["vpeId"]!);
        Assert.Empty(await g.Pending(1));
        Assert.Equal(8194, await g.Ack(0));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Movall_SendsAVmoviForEveryForwardedLpi_EvenThoseAlreadyOnTheTarget(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vpe0 = await g.VpeId(0);
        var mark = await g.Mark();

        await g.RunOk(new { op = "MOVALL", rdBase = 1, rdBase2 = 0 });

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["VMOVI", "VSYNC", "VMOVI", "VSYNC", "VMOVI", "VSYNC", "VMOVI", "VSYNC"], events.HostOps());
        var vmovis = events.Commands("VMOVI");
        Assert.Equal([0u, 1u, 2u, 3u], vmovis.Select(c => (uint)c["eventId"]!));
        Assert.All(vmovis, c => Assert.Equal(vpe0, (int)c["vpeId"]!));
        Assert.All(await g.Forwardings(), f => Assert.Equal(0, (int)f["vcpu"]!));
        Assert.Equal(0, (int)(await g.Trigger(3))["vcpu"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task MapcRetarget_MovesTheCollectionsVlpisByVmovi(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vpe0 = await g.VpeId(0);
        var mark = await g.Mark();

        await g.RunOk(Mapc(1, 0));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["VMOVI", "VSYNC", "VMOVI", "VSYNC"], events.HostOps());
        Assert.Equal([2u, 3u], events.Commands("VMOVI").Select(c => (uint)c["eventId"]!));
        Assert.All(events.Commands("VMOVI"), c => Assert.Equal(vpe0, (int)c["vpeId"]!));
        var trigger = await g.Trigger(2);
        Assert.Equal(0, (int)trigger["vcpu"]!);
        Assert.Equal("delivered", (string)trigger["outcome"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task MapcV0_ChangesNothingOnTheHost_AndDeviceMsisStillArriveAsVlpis(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var mark = await g.Mark();

        await g.RunOk(Mapc(1, 1, valid: false));
        Assert.Empty(await g.HostOpsAfter(mark));

        var trigger = await g.Trigger(2);
        Assert.Equal("vlpi", (string)trigger["path"]!);
        Assert.Equal("delivered", (string)trigger["outcome"]!);
        Assert.Equal(8194, await g.Ack(1));

        // Software injection fails, and so does a DISCARD: the VLPI stays until MAPD or unset (§3, KVM divergence §7.14).
        mark = await g.Mark();
        var results = await g.Run(Cmd("INT", Dev, 2), Cmd("DISCARD", Dev, 2));
        Assert.Equal("INT_UNMAPPED_INTERRUPT", ErrorName(results[0]!));
        Assert.Equal("DISCARD_UNMAPPED_INTERRUPT", ErrorName(results[1]!));
        var msi = await _client.Post($"{g.Vm}/msi", new { deviceId = Dev, eventId = 2 });
        Assert.Equal("dropped", (string)msi["outcome"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Equal(2, events.OfType("MsiDropped").Count);
        Assert.Contains(await g.Vlpis(), v => (int)v["eventId"]! == 2);
        Assert.Equal("delivered", (string)(await g.Trigger(2))["outcome"]!);
    }

    [Theory]
    [InlineData("v4.0", "MAPD V=0")]
    [InlineData("v4.1", "MAPD V=0")]
    [InlineData("v4.0", "MAPD on a mapped device")]
    [InlineData("v4.1", "MAPD on a mapped device")]
    [InlineData("v4.0", "GITS_BASER0 Valid=0")]
    [InlineData("v4.1", "GITS_BASER0 Valid=0")]
    public async Task DeviceTeardown_UnmapsEveryForwardedVlpiOfTheDevice(string version, string how)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var counts = (await g.Vpe(0))["vlpiCount"]!.ToJsonString() + (await g.Vpe(1))["vlpiCount"]!.ToJsonString();
        var hostIrqs = new List<uint>();
        for (var v = 0; v < 4; v++)
        {
            hostIrqs.Add(await g.HostIrq(v));
        }

        var mark = await g.Mark();
        switch (how)
        {
            case "MAPD V=0":
                await g.RunOk(Mapd(Dev, size: 1, valid: false));
                break;
            case "MAPD on a mapped device":
                await g.RunOk(Mapd(Dev, size: 1));
                break;
            default:
                await _client.Put($"{g.Vm}/its/registers/GITS_CTLR", new { value = 0 });
                var baser = Convert.ToUInt64(((string)(await _client.Get($"{g.Vm}/its/registers/GITS_BASER0"))["value"]!)[2..], 16);
                await _client.Put($"{g.Vm}/its/registers/GITS_BASER0", new { value = $"0x{baser & ~(1UL << 63):x}" });
                break;
        }

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(Enumerable.Repeat(UnmapOps(directLpi: version == "v4.1"), 4).SelectMany(o => o), events.HostOps());
        Assert.Equal([0u, 1u, 2u, 3u], events.Commands("DISCARD").Select(c => (uint)c["eventId"]!));
        Assert.Equal(hostIrqs, events.OfType("ForwardingUnset").Select(e => (uint)e["hostIrq"]!));
        Assert.Empty(await g.Vlpis());
        Assert.All(await g.Forwardings(), f => Assert.Equal("software", (string)f["mode"]!));
        Assert.Equal(counts, (await g.Vpe(0))["vlpiCount"]!.ToJsonString() + (await g.Vpe(1))["vlpiCount"]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Sync_SendsNothingToTheHost(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        await g.Trigger(2);
        var mark = await g.Mark();

        await g.RunOk(new { op = "SYNC", rdBase = 1 });

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(["ItsCommandProcessed"], events.Select(e => (string)e["type"]!));
        Assert.Equal(8194, await g.Ack(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SaveTables_FailsWithEaccesOnV40_AndSavesTheVptsPendingBitOnV41(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        await _client.Post($"{g.Vm}/vcpus/1/block");
        await g.Trigger(2); // VLPI 8194 pending in vPE 1's VPT
        var pendBaser = Convert.ToUInt64(((string)(await _client.Get($"{g.Vm}/vcpus/1/redistributor/GICR_PENDBASER"))["value"]!)[2..], 16);
        var pendingByte = (pendBaser & 0x000F_FFFF_FFFF_0000UL) + 8194 / 8;
        var ittAddress = Convert.ToUInt64(((string)(await _client.Get($"{g.Vm}/its/devices/{Dev}"))["ittAddress"]!)[2..], 16);
        const ulong deviceTable = 0x100000, collectionTable = 0x180000;
        async Task<string> Tables() =>
            await g.Memory(deviceTable + Dev * 8, 8) + await g.Memory(ittAddress, 32) + await g.Memory(collectionTable, 16)
            + await g.Memory(pendingByte, 1);
        var before = await Tables();
        var mark = await g.Mark();

        if (version == "v4.0")
        {
            // vgic_its_save_itt: -EACCES at the first ITE whose LPI is hw; the emulator plans first, so nothing is written.
            var problem = await _client.Post($"{g.Vm}/its/save", expected: HttpStatusCode.Conflict);
            Assert.Equal("-EACCES", (string)problem["errno"]!);
            Assert.Equal(before, await Tables());
            Assert.Equal(mark, await g.Mark());
        }
        else
        {
            await _client.Post($"{g.Vm}/its/save", expected: HttpStatusCode.NoContent);
            Assert.NotEqual(before, await Tables());
            var saved = Convert.FromHexString(await g.Memory(pendingByte, 1))[0];
            Assert.True((saved & (1 << (8194 % 8))) != 0, "8194's pending bit comes from vPE 1's VPT");
            Assert.True((saved & (1 << (8195 % 8))) == 0, "8195 is not pending");
            Assert.Equal(["8194/vlpi"], await g.Pending(1)); // reading the VPT does not consume the VLPI
        }
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task ItsDisable_StopsSoftwareInjectionButNotForwardedVlpis(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var mark = await g.Mark();

        await _client.Put($"{g.Vm}/its/registers/GITS_CTLR", new { value = 0 });

        var trigger = await g.Trigger(0);
        Assert.Equal("vlpi", (string)trigger["path"]!);
        Assert.Equal("delivered", (string)trigger["outcome"]!);
        var msi = await _client.Post($"{g.Vm}/msi", new { deviceId = Dev, eventId = 1 });
        Assert.Equal("dropped", (string)msi["outcome"]!);
        Assert.Equal("-EBUSY", (string)msi["errno"]!);
        Assert.Empty(await g.HostOpsAfter(mark));
        Assert.Equal(8192, await g.Ack(0));
        Assert.Null(await g.Ack(0));
    }
}
