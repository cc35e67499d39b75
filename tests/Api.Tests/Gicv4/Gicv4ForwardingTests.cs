using System.Net;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Gicv4.Gicv4Steps;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Gicv4;

/// <summary>
/// set_forwarding and unset_forwarding (spec/vgic-v4.md §2): the pending transfer at map, every silent
/// fallback of §2.4, the DISCARD/MAPTI gap of §6, the explicit forwardings routes, masked vectors, and the
/// two options beyond KVM (remapHint, preservePendingOnUnmap).
/// </summary>
public sealed class Gicv4ForwardingTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_TurnsASoftwarePendingLpiIntoExactlyOnePendingVlpi(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        var vpe0 = await g.Vpe(0);
        var msi = await _client.Post($"{g.Vm}/msi", new { deviceId = Dev, eventId = 0 });
        Assert.Equal("pending", (string)msi["outcome"]!);
        Assert.Equal(["8192/lpi"], await g.Pending(0));
        var mark = await g.Mark();

        Assert.Equal("vlpi", (string)(await g.Program(0))["forwarding"]!);

        var events = await g.CheckedEventsAfter(mark);
        // §2.2 steps 5 and 7: DISCARD + SYNC, VMAPTI + VSYNC, then the latch becomes a host INT + VSYNC.
        Assert.Equal([.. MapOps, "INT", "VSYNC"], events.HostOps());
        var vmapti = Assert.Single(events.Commands("VMAPTI"));
        Assert.Equal(HostDev, (uint)vmapti["deviceId"]!);
        Assert.Equal(0u, (uint)vmapti["eventId"]!);
        Assert.Equal((int)vpe0["vpeId"]!, (int)vmapti["vpeId"]!);
        Assert.Equal(8192u, (uint)vmapti["vintId"]!);
        Assert.Equal(version == "v4.0" ? (uint)vpe0["doorbellLpi"]! : 1023u, (uint)vmapti["intId"]!);
        Assert.Equal(0u, (uint)Assert.Single(events.Commands("DISCARD"))["eventId"]!);
        var set = Assert.Single(events.OfType("ForwardingSet"));
        Assert.Equal("vlpi", (string)set["mode"]!);
        Assert.Equal(8192, (int)set["intId"]!);
        Assert.Single(events.OfType("VlpiDelivered"));
        Assert.Empty(events.OfType("LpiPending"));

        Assert.Equal(["8192/vlpi"], await g.Pending(0));
        var ack = await g.Client.Ack(g.Vm, 0);
        Assert.Equal(8192, (int)ack["intId"]!);
        Assert.Equal("vlpi", (string)ack["source"]!);
        Assert.Null(await g.Ack(0));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_SilentlyStaysSoftware_WhenTheRouteAddressIsNotTheVmsIts(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        var mark = await g.Mark();

        var vector = await _client.Put($"{g.Device}/msix/0", new { address = "0x8000000", data = 0, masked = false });

        Assert.Equal("software", (string)vector["forwarding"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        var set = Assert.Single(events.OfType("ForwardingSet"));
        Assert.Equal("software", (string)set["mode"]!);
        Assert.Contains("not this VM's ITS", (string)set["reason"]!);
        var trigger = await g.Trigger(0);
        Assert.Equal("software", (string)trigger["path"]!);
        Assert.Equal("dropped", (string)trigger["outcome"]!);
        Assert.Equal("-EINVAL", (string)Assert.Single((await g.EventsAfter(mark)).OfType("MsiDropped"))["errno"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_SilentlyStaysSoftwareAndIsNeverRetried_WhenTheEventHasNoTranslationYet(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        await g.RunOk(Cmd("DISCARD", Dev, 0));
        var mark = await g.Mark();

        Assert.Equal("software", (string)(await g.Program(0))["forwarding"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Contains("no translation", (string)Assert.Single(events.OfType("ForwardingSet"))["reason"]!);
        var dropped = await g.Trigger(0);
        Assert.Equal("dropped", (string)dropped["outcome"]!);

        // The guest fixes its translation: MAPTI does not retry, device MSIs now reach the LPI by software.
        mark = await g.Mark();
        await g.RunOk(Mapti(Dev, 0, 8192, 0));
        Assert.Empty(await g.HostOpsAfter(mark));
        var trigger = await g.Trigger(0);
        Assert.Equal("software", (string)trigger["path"]!);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        Assert.Equal("software", (string)(await g.Vector(0))["forwarding"]!);
        Assert.Equal(8192, await g.Ack(0));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_SilentlyStaysSoftware_WhenTheItsIsDisabled(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        await _client.Put($"{g.Vm}/its/registers/GITS_CTLR", new { value = 0 });
        var mark = await g.Mark();

        Assert.Equal("software", (string)(await g.Program(0))["forwarding"]!);

        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Contains("disabled", (string)Assert.Single(events.OfType("ForwardingSet"))["reason"]!);
        var trigger = await g.Trigger(0);
        Assert.Equal("dropped", (string)trigger["outcome"]!);
        Assert.Equal("-EBUSY", (string)Assert.Single((await g.EventsAfter(mark)).OfType("MsiDropped"))["errno"]!);
        await _client.Put($"{g.Vm}/its/registers/GITS_CTLR", new { value = 1 });
        Assert.Equal("software", (string)(await g.Trigger(0))["path"]!);
        Assert.Equal(8192, await g.Ack(0));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_SilentlyStaysSoftware_WhenTheTargetHasEnableLpisClear(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        await _client.Put($"{g.Vm}/vcpus/1/redistributor/GICR_CTLR", new { value = 0 });
        var mark = await g.Mark();

        Assert.Equal("software", (string)(await g.Program(2))["forwarding"]!);

        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Contains("EnableLPIs", (string)Assert.Single(events.OfType("ForwardingSet"))["reason"]!);
        Assert.Equal("dropped", (string)(await g.Trigger(2))["outcome"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_SilentlyStaysSoftware_WhenAnotherHostIrqAlreadyForwardsTheLpi(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        Assert.Equal("vlpi", (string)(await g.Program(0))["forwarding"]!);
        var mark = await g.Mark();

        // Vector 1 names the same guest event: a shared vector.
        var vector = await _client.Put($"{g.Device}/msix/1", new { address = g.Translater, data = 0, masked = false });

        Assert.Equal("software", (string)vector["forwarding"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Contains("already forwarded", (string)Assert.Single(events.OfType("ForwardingSet"))["reason"]!);
        var forwardings = await g.Forwardings();
        Assert.Equal(["vlpi", "software"], forwardings.Select(f => (string)f["mode"]!));
        Assert.All(forwardings, f => Assert.Equal(8192, (int)f["intId"]!));

        // Its MSI goes through the irqfd to a hw LPI: the VLPI becomes pending (host INT), never the software latch.
        mark = await g.Mark();
        var trigger = await g.Trigger(1);
        Assert.Equal("vlpi", (string)trigger["path"]!);
        Assert.Equal(["INT", "VSYNC"], await g.HostOpsAfter(mark));
        await g.Trigger(0);
        Assert.Equal(["8192/vlpi"], await g.Pending(0));
        Assert.Equal(8192, await g.Ack(0));
        Assert.Null(await g.Ack(0));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task SetForwarding_SilentlyStaysSoftware_WhenTheHostDeviceIsBoundToAnotherVm(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var vm2Response = await _client.Post($"/api/hosts/{g.HostId}/vms", new { id = "vm2", vcpus = 1 }, HttpStatusCode.Created);
        var vm2 = $"/api/hosts/{g.HostId}/vms/vm2";
        var results = await _client.Commands(vm2, Mapd(Dev, size: 1), Mapc(0, 0), Mapti(Dev, 3, 8200, 0));
        Assert.All(results, r => Assert.Equal("ok", Status(r!)));
        var irq3 = await g.HostIrq(3);
        await _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq3}", expected: HttpStatusCode.NoContent);
        var mark = await g.Mark();

        var set = await _client.Post($"{vm2}/forwardings",
            new { hostIrq = irq3, route = new { address = (string)vm2Response["translaterAddress"]!, data = 3, deviceId = Dev } });

        // its_vlpi_map refuses a device bound to another VM (-EINVAL); KVM falls back silently.
        Assert.Equal("software", (string)set["mode"]!);
        Assert.Contains("bound to VM 'vm1'", (string)set["reason"]!);
        Assert.Empty(await g.HostOpsAfter(mark));
        var forwarding = Assert.Single(await g.Forwardings("vm2"));
        Assert.Equal("software", (string)forwarding["mode"]!);
        Assert.Equal(8200, (int)forwarding["intId"]!);
        Assert.DoesNotContain(await g.Vlpis(), v => (uint)v["hostIrq"]! == irq3);

        // The device MSI reaches vm2's LPI through vm2's irqfd.
        var trigger = await g.Trigger(3);
        Assert.Equal("software", (string)trigger["path"]!);
        Assert.Equal("pending", (string)trigger["outcome"]!);
        Assert.Equal(8200, (int)trigger["intId"]!);
        Assert.Equal(["8200/lpi"], (await _client.Get($"{vm2}/vcpus/0"))["pending"]!.AsArray().Select(p => $"{(int)p!["intId"]!}/{(string)p["source"]!}"));
        Assert.Empty(await g.Pending(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Reprogram_UnsetsForwardingOnTheVmTheVectorWasConnectedTo(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        var vm2Response = await _client.Post($"/api/hosts/{g.HostId}/vms", new { id = "vm2", vcpus = 1 }, HttpStatusCode.Created);
        var vm2 = $"/api/hosts/{g.HostId}/vms/vm2";
        Assert.All(await _client.Commands(vm2, Mapd(Dev, size: 1), Mapc(0, 0), Mapti(Dev, 3, 8200, 0)), r => Assert.Equal("ok", Status(r!)));
        var irq3 = await g.HostIrq(3);
        var set = await _client.Post($"{vm2}/forwardings",
            new { hostIrq = irq3, route = new { address = (string)vm2Response["translaterAddress"]!, data = 3, deviceId = Dev } });
        Assert.Equal("vlpi", (string)set["mode"]!);
        var mark = await g.Mark();

        // vm1's guest programs the vector: VFIO re-arms it, which disconnects the producer from vm2's irqfd first.
        var vector = await g.Program(3);

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal([.. UnmapOps(directLpi: version == "v4.1"), .. MapOps], events.HostOps());
        var unset = Assert.Single(events.OfType("ForwardingUnset"));
        Assert.Equal("vm2", (string)unset["vmId"]!);
        Assert.Equal(8200, (int)unset["intId"]!);
        Assert.Equal("vlpi", (string)vector["forwarding"]!);
        var vlpi = Assert.Single(await g.Vlpis());
        Assert.Equal("vm1", (string)vlpi["vmId"]!);
        Assert.Equal(8195, (int)vlpi["vintId"]!);
        Assert.Empty(await g.Forwardings("vm2"));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Reprogram_UnmapsTheOldVlpi_WhenTheVectorsRouteChanges(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var irq2 = await g.HostIrq(2);
        var mark = await g.Mark();

        // Vector 2 now names event 3, which vector 3 forwards already: unmap, then a silent software fallback.
        var vector = await _client.Put($"{g.Device}/msix/2", new { address = g.Translater, data = 3, masked = false });

        Assert.Equal("software", (string)vector["forwarding"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), events.HostOps());
        var unset = Assert.Single(events.OfType("ForwardingUnset"));
        Assert.Equal(irq2, (uint)unset["hostIrq"]!);
        Assert.Equal(8194, (int)unset["intId"]!);
        Assert.Equal("software", (string)Assert.Single(events.OfType("ForwardingSet"))["mode"]!);
        Assert.DoesNotContain(await g.Vlpis(), v => (uint)v["hostIrq"]! == irq2);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task DiscardThenMapti_LeavesDeviceMsisOnTheSoftwarePath_UntilTheVectorIsReprogrammed(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var irq3 = await g.HostIrq(3);
        var mark = await g.Mark();

        await g.RunOk(Cmd("DISCARD", Dev, 3), Mapti(Dev, 3, 8195, 1));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), events.HostOps()); // the DISCARD's unmap; MAPTI adds nothing
        Assert.Empty(events.OfType("ForwardingSet"));
        for (var i = 0; i < 2; i++)
        {
            var trigger = await g.Trigger(3);
            Assert.Equal("software", (string)trigger["path"]!);
            Assert.Equal("pending", (string)trigger["outcome"]!);
            var ack = await g.Client.Ack(g.Vm, 1);
            Assert.Equal(8195, (int)ack["intId"]!);
            Assert.Equal("lpi", (string)ack["source"]!);
        }

        var forwarding = (await g.Forwardings()).Single(f => (uint)f["hostIrq"]! == irq3);
        Assert.Equal("software", (string)forwarding["mode"]!);
        Assert.Equal(8195, (int)forwarding["intId"]!);

        // Only a new irq-bypass connection forwards it again.
        mark = await g.Mark();
        Assert.Equal("vlpi", (string)(await g.Program(3))["forwarding"]!);
        Assert.Equal(MapOps, await g.HostOpsAfter(mark));
        Assert.Equal("delivered", (string)(await g.Trigger(3))["outcome"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task ForwardingsRoutes_SetListAndUnsetAHostIrqExplicitly(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, program: false);
        var irq0 = await g.HostIrq(0);
        var vpe0 = await g.VpeId(0);
        Assert.Empty(await g.Forwardings());
        var mark = await g.Mark();

        var set = await _client.Post($"{g.Vm}/forwardings", new { hostIrq = irq0, route = new { address = g.Translater, data = 0, deviceId = Dev } });

        Assert.Equal("vlpi", (string)set["mode"]!);
        Assert.Equal(8192, (int)set["intId"]!);
        Assert.Equal(0, (int)set["vcpu"]!);
        Assert.Equal(vpe0, (int)set["vpeId"]!);
        Assert.Equal(MapOps, (await g.CheckedEventsAfter(mark)).HostOps());
        var listed = Assert.Single(await g.Forwardings());
        Assert.Equal(irq0, (uint)listed["hostIrq"]!);
        Assert.Equal(Dev, (uint)listed["deviceId"]!);
        Assert.Equal(0, (int)listed["eventId"]!);
        Assert.Equal(8192, (int)listed["intId"]!);
        Assert.Equal("vlpi", (string)listed["mode"]!);
        Assert.Equal(0, (int)listed["vcpu"]!);
        Assert.Equal(vpe0, (int)listed["vpeId"]!);
        var vlpi = Assert.Single(await g.Vlpis());
        Assert.Equal(irq0, (uint)vlpi["hostIrq"]!);
        Assert.Equal(8192, (int)vlpi["vintId"]!);
        Assert.Equal("delivered", (string)(await g.Trigger(0))["outcome"]!); // the MSI-X entry holds the host message
        Assert.Equal(8192, await g.Ack(0));

        mark = await g.Mark();
        await _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq0}", expected: HttpStatusCode.NoContent);

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), events.HostOps());
        var unset = Assert.Single(events.OfType("ForwardingUnset"));
        Assert.Equal(irq0, (uint)unset["hostIrq"]!);
        Assert.Equal(8192, (int)unset["intId"]!);
        Assert.Empty(await g.Forwardings());
        Assert.Empty(await g.Vlpis());
        Assert.Equal(0, (int)(await g.Vpe(0))["vlpiCount"]!);
        await _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq0}", expected: HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task MaskedVector_HoldsTheMsiInThePbaAndDeliversItOnceOnUnmask(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var mark = await g.Mark();

        var masked = await g.Program(0, masked: true);

        Assert.Equal("none", (string)masked["forwarding"]!);
        Assert.True((bool)masked["masked"]!);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), await g.HostOpsAfter(mark));
        for (var i = 0; i < 2; i++)
        {
            var trigger = await g.Trigger(0);
            Assert.Equal("software", (string)trigger["path"]!);
            Assert.Equal("pending", (string)trigger["outcome"]!);
            Assert.Contains("masked", (string)trigger["reason"]!);
        }

        Assert.True((bool)(await g.Vector(0))["pbaPending"]!);
        Assert.Empty(await g.Pending(0));
        var held = await g.EventsAfter(mark);
        Assert.Empty(held.OfType("LpiPending"));
        Assert.Empty(held.OfType("VlpiDelivered"));

        mark = await g.Mark();
        var unmasked = await g.Program(0);

        Assert.Equal("vlpi", (string)unmasked["forwarding"]!);
        Assert.False((bool)unmasked["pbaPending"]!);
        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(MapOps, events.HostOps()); // the device sends the held message again: no host INT
        Assert.Single(events.OfType("VlpiDelivered"));
        Assert.Equal(8192, await g.Ack(0));
        Assert.Null(await g.Ack(0));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task RemapHint_ReforwardsOnMapti_WhenTheVectorWasNotReprogrammed(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: new { remapHint = true });
        var irq3 = await g.HostIrq(3);
        var mark = await g.Mark();

        await g.RunOk(Cmd("DISCARD", Dev, 3), Mapti(Dev, 3, 8195, 1));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal([.. UnmapOps(directLpi: version == "v4.1"), .. MapOps], events.HostOps());
        Assert.Equal(["ForwardingUnset", "ForwardingSet"],
            events.Where(e => (string)e["type"]! is "ForwardingUnset" or "ForwardingSet").Select(e => (string)e["type"]!));
        var set = Assert.Single(events.OfType("ForwardingSet"));
        Assert.Equal("vlpi", (string)set["mode"]!);
        Assert.Equal(irq3, (uint)set["hostIrq"]!);
        Assert.Equal(8195, (int)set["intId"]!);
        Assert.Equal("vlpi", (string)(await g.Vector(3))["forwarding"]!);
        Assert.Equal("delivered", (string)(await g.Trigger(3))["outcome"]!);
        Assert.Equal(8195, await g.Ack(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task RemapHint_IsDropped_WhenTheGuestReprogramsTheVector(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: new { remapHint = true });
        await g.RunOk(Cmd("DISCARD", Dev, 3));
        Assert.Equal("software", (string)(await g.Program(3))["forwarding"]!); // no translation at this connection
        var mark = await g.Mark();

        await g.RunOk(Mapti(Dev, 3, 8195, 1));

        var events = await g.CheckedEventsAfter(mark);
        Assert.Empty(events.HostOps());
        Assert.Empty(events.OfType("ForwardingSet"));
        Assert.Equal("software", (string)(await g.Trigger(3))["path"]!);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task RemapHint_DoesNotReforward_WhenTheProducerWasDisconnected(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: new { remapHint = true });
        var irq3 = await g.HostIrq(3);
        await g.RunOk(Cmd("DISCARD", Dev, 3));
        await _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq3}", expected: HttpStatusCode.NoContent);
        var mark = await g.Mark();

        await g.RunOk(Mapti(Dev, 3, 8195, 1));

        // Only a connected producer/consumer pair can carry a VLPI (§1.2): the hint has nothing to re-forward.
        Assert.Empty(await g.HostOpsAfter(mark));
        Assert.DoesNotContain(await g.Vlpis(), v => (uint)v["hostIrq"]! == irq3);
        Assert.DoesNotContain(await g.Forwardings(), f => (uint)f["hostIrq"]! == irq3);
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Unset_DropsAPendingVlpiAndReportsIt_ByDefault(string version)
    {
        var g = await Gicv4Setup.Create(_client, version);
        var irq2 = await g.HostIrq(2);
        var vlpiCount = (int)(await g.Vpe(1))["vlpiCount"]!;
        await _client.Post($"{g.Vm}/vcpus/1/block");
        await g.Trigger(2);
        var mark = await g.Mark();

        await _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq2}", expected: HttpStatusCode.NoContent);

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), events.HostOps());
        var unset = Assert.Single(events.OfType("ForwardingUnset"));
        Assert.Equal(irq2, (uint)unset["hostIrq"]!);
        Assert.Equal("unset_forwarding", (string)unset["reason"]!);
        // KVM's one loss point: the host DISCARD removes the pending VLPI, and it never re-appears as a software LPI.
        var dropped = Assert.Single(events.OfType("PendingDropped"));
        Assert.Equal("vlpi", (string)dropped["source"]!);
        Assert.Equal(8194, (int)dropped["intId"]!);
        Assert.Equal(1, (int)dropped["vcpu"]!);
        Assert.Contains("unmap", (string)dropped["reason"]!);
        Assert.Empty(events.OfType("LpiPending"));
        Assert.Empty(await g.Pending(1));
        Assert.Equal(vlpiCount - 1, (int)(await g.Vpe(1))["vlpiCount"]!);
        await _client.Post($"{g.Vm}/vcpus/1/unblock");
        Assert.Null(await g.Ack(1));
    }

    [Theory]
    [MemberData(nameof(Gicv4Hosts.Versions), MemberType = typeof(Gicv4Hosts))]
    public async Task Unset_KeepsAPendingVlpiAsASoftwarePendingLpi_WhenPreservePendingOnUnmap(string version)
    {
        var g = await Gicv4Setup.Create(_client, version, hostOptions: new { preservePendingOnUnmap = true });
        var irq2 = await g.HostIrq(2);
        await _client.Post($"{g.Vm}/vcpus/1/block");
        await g.Trigger(2);
        var mark = await g.Mark();

        await _client.Send(HttpMethod.Delete, $"{g.Vm}/forwardings/{irq2}", expected: HttpStatusCode.NoContent);

        var events = await g.CheckedEventsAfter(mark);
        Assert.Equal(UnmapOps(directLpi: version == "v4.1"), events.HostOps());
        Assert.Empty(events.OfType("PendingDropped"));
        var pending = Assert.Single(events.OfType("LpiPending"));
        Assert.Equal("lpi", (string)pending["source"]!);
        Assert.Equal(8194, (int)pending["intId"]!);
        Assert.False((bool)pending["coalesced"]!);
        Assert.Equal(["8194/lpi"], await g.Pending(1));
        await _client.Post($"{g.Vm}/vcpus/1/unblock");
        var ack = await g.Client.Ack(g.Vm, 1);
        Assert.Equal(8194, (int)ack["intId"]!);
        Assert.Equal("lpi", (string)ack["source"]!);
        Assert.Null(await g.Ack(1));
    }
}
