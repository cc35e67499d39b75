using System.Diagnostics.Metrics;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Metrics;
using GicService.Domain.Tests.Hosts;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Metrics;

/// <summary>The domain's meter is process-wide, so these tests run alone (after the parallel ones) and count exactly.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DomainMetricsCollection
{
    public const string Name = "Domain metrics";
}

/// <summary>The <c>GicService.Domain</c> counters, read with a <see cref="MeterListener"/>: each counts exactly what the events say.</summary>
[Collection(DomainMetricsCollection.Name)]
public sealed class DomainMetricsTests
{
    [Fact]
    public void Msis_CountDeliveredAndDroppedByReason_ExactlyOncePerMsi()
    {
        var vm = HostBuilder.PopulatedVm();
        using var measured = new Measurements();

        for (var i = 0; i < 3; i++)
        {
            Assert.True(vm.Msi(1, 1).Pending);
        }

        Assert.False(vm.Msi(9, 0).Pending); // no translation: INT_UNMAPPED_INTERRUPT
        vm.SetEnableLpis(1, false);
        Assert.False(vm.Msi(1, 1).Pending); // -EBUSY

        Assert.Equal(3, measured.Sum("gicservice.msis", ("path", "signal"), ("outcome", "delivered"), ("reason", "none")));
        Assert.Equal(1, measured.Sum("gicservice.msis", ("path", "signal"), ("outcome", "dropped"), ("reason", "INT_UNMAPPED_INTERRUPT")));
        Assert.Equal(1, measured.Sum("gicservice.msis", ("path", "signal"), ("outcome", "dropped"), ("reason", "-EBUSY")));
        Assert.Equal(5, measured.Sum("gicservice.msis"));
    }

    [Fact]
    public void ItsCommands_CountByOpcodeStatusAndError_AndIntCountsAsAnMsi()
    {
        var vm = HostBuilder.PopulatedVm();
        using var measured = new Measurements();

        vm.Run(TestVm.MapDevice(2), TestVm.Int(1, 0), TestVm.Int(9, 0), new Vmapp(1, 0, false, 0, 0, false, false, 0, 0));

        Assert.Equal(1, measured.Sum("gicservice.its.commands", ("op", "MAPD"), ("status", "ok"), ("error", "none")));
        Assert.Equal(1, measured.Sum("gicservice.its.commands", ("op", "INT"), ("status", "ok"), ("error", "none")));
        Assert.Equal(1, measured.Sum("gicservice.its.commands", ("op", "INT"), ("status", "error"), ("error", "INT_UNMAPPED_INTERRUPT")));
        Assert.Equal(1, measured.Sum("gicservice.its.commands", ("op", "VMAPP"), ("status", "ignored"), ("error", "-ENODEV")));
        Assert.Equal(4, measured.Sum("gicservice.its.commands"));
        Assert.Equal(1, measured.Sum("gicservice.msis", ("path", "int"), ("outcome", "delivered")));
        Assert.Equal(1, measured.Sum("gicservice.msis", ("path", "int"), ("outcome", "dropped"), ("reason", "INT_UNMAPPED_INTERRUPT")));
        Assert.Equal(0, measured.Sum("gicservice.host_its.commands"));
    }

    [Fact]
    public void Gicv4Counters_EqualTheEvents_VlpiDeliveriesDoorbellsAndHostItsCommandsByOpcode()
    {
        using var measured = new Measurements();
        var vm = ForwardedVm(out var events);
        vm.Accept(new TriggerMsixVector("nic", 0)); // resident: delivered
        events.AddRange(vm.LastEvents);
        Assert.Equal(8192u, vm.Ack(0));
        vm.Accept(new BlockVcpu("vm1", 0));
        events.AddRange(vm.LastEvents);
        Assert.Equal("pending", vm.Accept(new TriggerMsixVector("nic", 0)).Outcome); // blocked: the doorbell rings
        events.AddRange(vm.LastEvents);
        vm.Accept(new UnblockVcpu("vm1", 0)); // resident again: the pending VLPI is presented
        events.AddRange(vm.LastEvents);

        Assert.Equal(1, measured.Sum("gicservice.vlpis.delivered", ("when", "resident")));
        Assert.Equal(events.OfType<VlpiDelivered>().Count(), measured.Sum("gicservice.vlpis.delivered"));
        Assert.Equal(1, measured.Sum("gicservice.doorbells", ("gic", "v4.1")));
        Assert.Equal(events.OfType<DoorbellFired>().Count(), measured.Sum("gicservice.doorbells"));
        var hostCommands = events.OfType<HostItsCommand>().ToList();
        Assert.NotEmpty(hostCommands);
        foreach (var op in hostCommands.Select(c => c.Command.Mnemonic).Distinct())
        {
            Assert.Equal(hostCommands.Count(c => c.Command.Mnemonic == op), measured.Sum("gicservice.host_its.commands", ("op", op)));
        }

        Assert.Equal(hostCommands.Count, measured.Sum("gicservice.host_its.commands"));
    }

    [Fact]
    public void Counting_ChangesNothing_TheSameInputsGiveTheSameStateAndEventsWithAndWithoutAListener()
    {
        var (quietState, quietEvents) = Session();
        using var measured = new Measurements();
        var (countedState, countedEvents) = Session();

        Assert.True(measured.Sum("gicservice.msis") > 0);
        Assert.Equal(quietState, countedState);
        Assert.Equal(quietEvents, countedEvents);

        static (string State, List<string> Events) Session()
        {
            var vm = ForwardedVm(out _);
            vm.Msi(8, 0);
            vm.Msi(8, 9);
            vm.Run(TestVm.Int(8, 0), TestVm.Int(9, 0));
            vm.Accept(new BlockVcpu("vm1", 0));
            vm.Accept(new TriggerMsixVector("nic", 0));
            return (vm.Snapshot(), vm.Events.Select(e => e.ToString()).ToList());
        }
    }

    /// <summary>A v4.1 host, vm1 (2 vCPUs, both loaded), a NIC whose vector 0 forwards event 0 of device 8 to LPI 8192 on vCPU 0.</summary>
    private static TestVm ForwardedVm(out List<FabricEvent> events)
    {
        var host = Host.Create(new HostConfiguration("h1", 2, GicVersion.V4_1), out var created);
        var vm = new TestVm(host, "vm1", created);
        events = [.. created];
        vm.Accept(new CreateVm("vm1", 2, 32, VmSetup.Ready));
        events.AddRange(vm.LastEvents);
        vm.Accept(new AssignVfioDevice("nic", "0000:01:00.0", 1, "vm1", 8));
        events.AddRange(vm.LastEvents);
        vm.RunOk(TestVm.MapDevice(8), TestVm.MapCollection(0, 0), TestVm.Map(8, 0, 8192, 0));
        events.AddRange(vm.LastEvents);
        vm.Load(0, 0);
        events.AddRange(vm.LastEvents);
        vm.Load(1, 1);
        events.AddRange(vm.LastEvents);
        vm.Accept(new ProgramMsixVector("nic", 0, Vm.ItsBase + VirtualIts.TranslaterOffset, 0, false));
        events.AddRange(vm.LastEvents);
        Assert.True(vm.Lpi(8192).IsForwarded);
        return vm;
    }

    /// <summary>Every measurement of the domain meter's instruments while it is alive.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Instrument, long Value, Dictionary<string, string?> Tags)> _measurements = new();

        public Measurements()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == DomainMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var copy = new Dictionary<string, string?>();
                foreach (var tag in tags)
                {
                    copy[tag.Key] = tag.Value?.ToString();
                }

                lock (_measurements)
                {
                    _measurements.Add((instrument.Name, value, copy));
                }
            });
            _listener.Start();
        }

        /// <summary>The sum of the instrument's measurements whose tags include every one given.</summary>
        public long Sum(string instrument, params (string Key, string Value)[] tags)
        {
            lock (_measurements)
            {
                return _measurements
                    .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
                    .Sum(m => m.Value);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
