using CsCheck;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Bridge;

/// <summary>
/// Random interleavings of every input kind on a GICv4 host (spec/vgic-v4.md §7, issue 3 "Never lost, never
/// doubled"): after each input the fabric invariants hold, and a ledger built from the events alone agrees
/// with the pending state of every LPI and vPE. Each device MSI and software MSI is followed until it is
/// acknowledged (at most once per pending period), reported dropped, or still pending (or held in the PBA).
/// </summary>
public sealed class VgicV4BridgePropertyTests
{
    private const long Iterations = 600;

    [Theory]
    [InlineData("v4.0")]
    [InlineData("v4.1")]
    public void RandomInterleavings_KeepTheInvariantsAndNeverLoseOrDoubleAnInterrupt(string version)
    {
        var gicVersion = version == "v4.0" ? GicVersion.V4_0 : GicVersion.V4_1;
        var options = Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, (directLpi, remapHint, preserve) => new Options(directLpi, remapHint, preserve));
        Gen.Select(options, Inputs.Input.Array[40, 120]).Sample(
            (o, inputs) => Fabric.Run(gicVersion, o, inputs),
            iter: Iterations,
            threads: 1,
            print: t => $"{t.Item1}\n{string.Join("\n", t.Item2.Select(Inputs.Describe))}");
    }

    private sealed record Options(bool DirectLpi, bool RemapHint, bool PreservePendingOnUnmap);

    /// <summary>The generators: a NIC of four vectors, two VMs (vm1 with 2 vCPUs, vm2 with 1), two pCPUs.</summary>
    private static class Inputs
    {
        public const uint Dev = 8;
        private const ulong WrongAddress = 0x0800_0000;

        private static readonly Gen<string> Vm = Gen.Frequency((4, Gen.Const("vm1")), (1, Gen.Const("vm2")));
        private static readonly Gen<uint> Vcpu = Gen.UInt[0, 1];
        private static readonly Gen<uint> Device = Gen.Frequency((5, Gen.Const(Dev)), (1, Gen.Const(9u)));
        private static readonly Gen<uint> Event = Gen.UInt[0, 4];
        private static readonly Gen<ushort> Icid = Gen.UShort[0, 2];
        private static readonly Gen<uint> IntIds = Gen.UInt[8190, 8197];
        private static readonly Gen<int> Vector = Gen.Int[0, 3];

        private static readonly Gen<ItsCommand> Command = Gen.OneOf<ItsCommand>(
            Gen.Select(Device, Gen.Int[0, 3], Mostly(true), (d, size, valid) => (ItsCommand)new Mapd(new DeviceId(d), (byte)size, Itt(d), valid)),
            Gen.Select(Icid, Gen.UInt[0, 2], Mostly(true), (c, rd, valid) => (ItsCommand)new Mapc(new CollectionId(c), rd, valid)),
            Gen.Select(Device, Event, IntIds, Icid, (d, e, i, c) => (ItsCommand)new Mapti(new DeviceId(d), new EventId(e), new IntId(i), new CollectionId(c))),
            Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Mapi(new DeviceId(d), new EventId(e), new CollectionId(c))),
            Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Movi(new DeviceId(d), new EventId(e), new CollectionId(c))),
            Gen.Select(Gen.UInt[0, 2], Gen.UInt[0, 2], (a, b) => (ItsCommand)new Movall(a, b)),
            Gen.Select(Device, Event, (d, e) => (ItsCommand)new Discard(new DeviceId(d), new EventId(e))),
            Gen.Select(Device, Event, (d, e) => (ItsCommand)new Int(new DeviceId(d), new EventId(e))),
            Gen.Select(Device, Event, (d, e) => (ItsCommand)new Clear(new DeviceId(d), new EventId(e))),
            Gen.Select(Device, Event, (d, e) => (ItsCommand)new Inv(new DeviceId(d), new EventId(e))),
            Icid.Select(c => (ItsCommand)new Invall(new CollectionId(c))),
            Gen.UInt[0, 2].Select(rd => (ItsCommand)new Sync(rd)),
            Gen.UShort[0, 3].Select(v => (ItsCommand)new Vsync(v))); // a GICv4 command: KVM's vITS ignores it

        private static readonly Gen<QueuedCommand> Queued = Gen.Frequency(
            (12, Command.Select(c => new QueuedCommand(c, null))),
            (1, Gen.Byte.Array[32].Select(raw => new QueuedCommand(null, raw)))); // anything at all, invalid included

        private static readonly Gen<ulong> Address = Gen.Frequency((6, Gen.Const(Vms.Vm.ItsBase + VirtualIts.TranslaterOffset)), (1, Gen.Const(WrongAddress)));

        public static readonly Gen<HostInput> Input = Gen.Frequency<HostInput>(
            (6, Vector.Select(v => (HostInput)new TriggerMsixVector("nic", v))),
            (6, Gen.Select(Vm, Vcpu, (vm, c) => (HostInput)new AcknowledgeInterrupt(vm, c))),
            (5, Gen.Select(Vm, Queued.Array[1, 3], (vm, q) => (HostInput)new ProcessItsCommands(vm, q))),
            (3, Gen.Select(Vm, Device, Event, (vm, d, e) => (HostInput)new SignalMsi(vm, d, e))),
            (3, Gen.Select(Vector, Address, Gen.UInt[0, 4], Gen.Frequency((3, Gen.Const(false)), (1, Gen.Const(true))),
                (v, a, data, masked) => (HostInput)new ProgramMsixVector("nic", v, a, data, masked))),
            (2, Gen.Select(Vm, Gen.UInt[64, 68], Address, Gen.UInt[0, 4],
                (vm, irq, a, data) => (HostInput)new SetForwarding(vm, irq, new Vfio.MsiRoute(a, data, Dev)))),
            (2, Gen.Select(Vm, Gen.UInt[64, 67], (vm, irq) => (HostInput)new UnsetForwarding(vm, irq))),
            (2, Gen.Select(Vm, Vcpu, Gen.UInt[0, 1], (vm, c, p) => (HostInput)new LoadVcpu(vm, c, p))),
            (1, Gen.Select(Vm, Vcpu, (vm, c) => (HostInput)new PutVcpu(vm, c))),
            (2, Gen.Select(Vm, Vcpu, (vm, c) => (HostInput)new BlockVcpu(vm, c))),
            (2, Gen.Select(Vm, Vcpu, (vm, c) => (HostInput)new UnblockVcpu(vm, c))),
            (2, Gen.Select(Vm, Gen.UInt[8192, 8195], Gen.Bool, Gen.OneOf<byte>(0x40, 0xa0),
                (vm, i, enabled, priority) => (HostInput)new SetLpiConfig(vm, i, enabled, priority))),
            (1, Gen.Select(Vm, Mostly(true), (vm, on) => (HostInput)new WriteItsRegister(vm, ItsRegister.Control, 0, 4, on ? 1UL : 0UL))),
            (2, Gen.Select(Vm, Vcpu, Mostly(true), (vm, c, on) => (HostInput)new WriteRedistributorRegister(vm, c, RedistributorRegister.Control, 0, 4, on ? 1UL : 0UL))),
            (1, Gen.Select(Vm, Vcpu, IntIds, (vm, c, i) => (HostInput)new WriteRedistributorRegister(vm, c, RedistributorRegister.InvalidateLpi, 0, 8, i))),
            (1, Gen.Select(Vm, Vcpu, (vm, c) => (HostInput)new WriteRedistributorRegister(vm, c, RedistributorRegister.InvalidateAll, 0, 8, 0))),
            // A pending table the guest re-enables without PTZ, so EnableLPIs 0 -> 1 reads it (its_sync_lpi_pending_table).
            (1, Gen.Select(Vm, Vcpu, (vm, c) => (HostInput)new WriteRedistributorRegister(vm, c, RedistributorRegister.PendingBase, 0, 8,
                ReadyLayout.PendingTable(c) | (1UL << 10) | (3UL << 7)))),
            (1, Vm.Select(vm => (HostInput)new SaveItsTables(vm))));

        private static Gen<bool> Mostly(bool value) => Gen.Frequency((3, Gen.Const(value)), (1, Gen.Const(!value)));

        public static ulong Itt(uint deviceId) => 0x100_0000 + (deviceId & 0xF) * 0x10_0000;

        public static string Describe(HostInput input) => input is ProcessItsCommands p
            ? $"ProcessItsCommands({p.VmId}: {string.Join(", ", p.Commands.Select(q => q.Command?.ToString() ?? $"raw {Convert.ToHexStringLower(q.Raw!)}"))})"
            : input.ToString();
    }

    /// <summary>One run: builds the fabric, applies the inputs, keeps the ledger, checks after every input and at the end.</summary>
    private sealed class Fabric
    {
        private readonly Host _host;
        private readonly Ledger _ledger = new();
        private readonly List<string> _trace = new();

        private Fabric(Host host) => _host = host;

        public static void Run(GicVersion version, Options options, HostInput[] inputs)
        {
            var host = Host.Create(new HostConfiguration("h1", 2, version,
                DirectLpi: version == GicVersion.V4_0 ? options.DirectLpi : null,
                RemapHint: options.RemapHint, PreservePendingOnUnmap: options.PreservePendingOnUnmap), out _);
            var fabric = new Fabric(host);
            foreach (var setup in Setup())
            {
                fabric.Apply(setup, mustAccept: true);
            }

            foreach (var input in inputs)
            {
                fabric.Apply(input, mustAccept: false);
            }

            fabric._ledger.CheckEveryInterruptAccountedFor(host);
        }

        private static IEnumerable<HostInput> Setup()
        {
            yield return new CreateVm("vm1", 2, 32, VmSetup.Ready);
            yield return new CreateVm("vm2", 1, 32, VmSetup.Ready);
            yield return new AssignVfioDevice("nic", "0000:01:00.0", 4, "vm1", Inputs.Dev);
            static QueuedCommand Q(ItsCommand c) => new(c, null);
            yield return new ProcessItsCommands("vm1",
            [
                Q(new Mapd(new DeviceId(Inputs.Dev), 1, Inputs.Itt(Inputs.Dev), true)),
                Q(new Mapc(new CollectionId(0), 0, true)),
                Q(new Mapc(new CollectionId(1), 1, true)),
                .. Enumerable.Range(0, 4).Select(e => Q(new Mapti(new DeviceId(Inputs.Dev), new EventId((uint)e), new IntId(8192 + (uint)e),
                    new CollectionId((ushort)(e / 2))))),
            ]);
            yield return new ProcessItsCommands("vm2",
            [
                Q(new Mapd(new DeviceId(Inputs.Dev), 1, Inputs.Itt(Inputs.Dev), true)),
                Q(new Mapc(new CollectionId(0), 0, true)),
                Q(new Mapti(new DeviceId(Inputs.Dev), new EventId(3), new IntId(8195), new CollectionId(0))),
            ]);
            yield return new LoadVcpu("vm1", 0, 0);
            yield return new LoadVcpu("vm1", 1, 1);
            for (var v = 0; v < 4; v++)
            {
                yield return new ProgramMsixVector("nic", v, Vm.ItsBase + VirtualIts.TranslaterOffset, (uint)v, false);
            }
        }

        private void Apply(HostInput input, bool mustAccept)
        {
            _trace.Add(Inputs.Describe(input));
            var pbaBefore = _host.VfioDevices.SelectMany(d => d.Vectors).Select(v => v.PbaPending).ToArray();
            Applied applied;
            try
            {
                applied = _host.Apply(input);
            }
            catch (InvalidOperationException e)
            {
                throw new Xunit.Sdk.XunitException($"{e.Message}\n{Trace()}");
            }

            Assert.True(!mustAccept || applied.Accepted, $"{input} was refused: {applied.Rejection?.Detail}");
            Assert.True(applied.Accepted || applied.Events.Count == 0, "a refused input published events");
            var violations = _host.CheckInvariants().ToList();
            violations.AddRange(_ledger.Apply(applied.Events));
            if (applied.Accepted)
            {
                violations.AddRange(_ledger.Follow(_host, input, applied, pbaBefore));
            }

            violations.AddRange(_ledger.CompareWith(_host));
            violations.AddRange(ExtraInvariants());
            if (violations.Count > 0)
            {
                throw new Xunit.Sdk.XunitException(
                    $"After {Inputs.Describe(input)}:\n  {string.Join("\n  ", violations)}\nEvents: {string.Join(", ", applied.Events.Select(e => e.ToString()))}\n{Trace()}");
            }
        }

        private string Trace() => "Inputs:\n  " + string.Join("\n  ", _trace);

        /// <summary>What §1.2 and §7.20 require beyond Host.CheckInvariants.</summary>
        private IEnumerable<string> ExtraInvariants()
        {
            foreach (var vector in _host.VfioDevices.SelectMany(d => d.Vectors))
            {
                if (vector.Host.Forwarded && _host.HostIts.FindVlpi(vector.Host.HostDeviceId, vector.Host.EventId) is { } map
                    && !(vector.Paired && vector.ConnectedVm == map.VmId))
                {
                    yield return $"host IRQ {vector.Host.Irq} is VMAPTI'd for {map.VmId} but its producer is not paired with that VM's irqfd (§1.2)";
                }
            }

            foreach (var vm in _host.Vms)
            {
                foreach (var vcpu in vm.Vcpus.Where(c => c.State == Vcpus.VcpuState.Blocked))
                {
                    var vpe = _host.HostIts.FindVpe(vm.Id, vcpu.Id)!;
                    if (vpe.PendingVlpis.Any(i => _host.HostIts.IsVlpiEnabled(vm.Id, i)) && !vpe.PendingLast)
                    {
                        yield return $"{vm.Id} vCPU {vcpu.Id} is blocked with an enabled VLPI pending but pending_last is false: a lost wake-up (§7.20)";
                    }
                }
            }
        }
    }

    /// <summary>
    /// Where each (VM, INTID) is pending, rebuilt from the events alone, and the interrupts (device and software
    /// MSIs) each pending period carries.
    /// </summary>
    private sealed class Ledger
    {
        private readonly Dictionary<(string Vm, uint IntId), Period> _periods = new();
        private readonly Dictionary<int, List<int>> _pba = new();
        private readonly Dictionary<int, string> _fate = new();
        private int _nextInterrupt;

        private enum Where
        {
            Software,
            Vlpi,
            Unmapping,
        }

        private sealed class Period(Where where)
        {
            public Where Where { get; set; } = where;

            public List<int> Interrupts { get; } = new();
        }

        /// <summary>Follows the events of one input in order; returns what contradicts "never lost, never doubled".</summary>
        public IEnumerable<string> Apply(IReadOnlyList<FabricEvent> events)
        {
            var problems = new List<string>();
            foreach (var e in events)
            {
                switch (e)
                {
                    case LpiPending p:
                    {
                        var key = (p.VmId, p.IntId);
                        var period = _periods.GetValueOrDefault(key);
                        if (period is { Where: Where.Vlpi })
                        {
                            problems.Add($"{key}: pending in software while pending as a VLPI (doubled)");
                        }
                        else if (p.Coalesced != (period is { Where: Where.Software }))
                        {
                            problems.Add($"{key}: LpiPending coalesced={p.Coalesced} but the ledger has it {period?.Where.ToString() ?? "idle"}");
                        }

                        if (period is null)
                        {
                            _periods[key] = new Period(Where.Software);
                        }
                        else
                        {
                            period.Where = Where.Software;
                        }

                        break;
                    }

                    case VlpiPending or VlpiDelivered:
                    {
                        var key = e is VlpiPending vp ? (vp.VmId, vp.IntId) : (((VlpiDelivered)e).VmId, ((VlpiDelivered)e).IntId);
                        var period = _periods.GetValueOrDefault(key);
                        if (period is { Where: Where.Software or Where.Unmapping })
                        {
                            problems.Add($"{key}: pending as a VLPI while {period.Where} (doubled)");
                        }

                        if (period is null)
                        {
                            _periods[key] = new Period(Where.Vlpi);
                        }

                        break;
                    }

                    case ForwardingSet { Mode: "vlpi", IntId: { } intId } set:
                        // The pending transfer at map: a software latch becomes the VLPI's pending state, silently.
                        if (_periods.GetValueOrDefault((set.VmId, intId)) is { Where: Where.Software } transferred)
                        {
                            transferred.Where = Where.Vlpi;
                        }

                        break;

                    case ForwardingUnset { IntId: { } intId } unset:
                        if (_periods.GetValueOrDefault((unset.VmId, intId)) is { Where: Where.Vlpi } unmapping)
                        {
                            unmapping.Where = Where.Unmapping; // must end as PendingDropped(vlpi) or a software LPI in this input
                        }

                        break;

                    case PendingDropped d:
                    {
                        var key = (d.VmId, d.IntId);
                        var period = _periods.GetValueOrDefault(key);
                        var expected = d.Source == InterruptSource.Vlpi ? period?.Where is Where.Vlpi or Where.Unmapping : period?.Where == Where.Software;
                        if (!expected)
                        {
                            problems.Add($"{key}: PendingDropped({d.Source}) but the ledger has it {period?.Where.ToString() ?? "idle"}");
                        }

                        Close(key, "dropped");
                        break;
                    }

                    case InterruptAcknowledged a:
                    {
                        var key = (a.VmId, a.IntId);
                        var period = _periods.GetValueOrDefault(key);
                        var expected = a.Source == InterruptSource.Vlpi ? Where.Vlpi : Where.Software;
                        if (period?.Where != expected)
                        {
                            problems.Add($"{key}: acknowledged as {a.Source} but the ledger has it {period?.Where.ToString() ?? "idle"} (taken twice, or never pending)");
                        }

                        Close(key, "acknowledged");
                        break;
                    }
                }
            }

            foreach (var (key, period) in _periods.Where(p => p.Value.Where == Where.Unmapping))
            {
                problems.Add($"{key}: a pending VLPI was unmapped and neither reported dropped nor kept in software (lost)");
            }

            return problems;
        }

        /// <summary>Attaches the interrupt an MSI, trigger or PBA release carried to where its events say it landed.</summary>
        public IEnumerable<string> Follow(Host host, HostInput input, Applied applied, bool[] pbaBefore)
        {
            var landings = applied.Events.Where(e => e is LpiPending or VlpiPending or VlpiDelivered or MsiDropped).ToList();
            switch (input)
            {
                case TriggerMsixVector t:
                {
                    var interrupt = _nextInterrupt++;
                    var outcome = (Domain.Bridge.TriggerOutcome)applied.Result!;
                    if (outcome.IntId is null && outcome.Outcome == "pending")
                    {
                        if (landings.Count != 0 || !host.FindVfioDevice("nic")!.Vectors[t.Vector].PbaPending)
                        {
                            yield return $"trigger of vector {t.Vector}: held in the PBA but the PBA bit is clear or it also landed";
                        }

                        (_pba.TryGetValue(t.Vector, out var held) ? held : _pba[t.Vector] = []).Add(interrupt);
                        yield break;
                    }

                    foreach (var problem in Land(interrupt, outcome.Outcome == "dropped", outcome.IntId, landings, $"trigger of vector {t.Vector}"))
                    {
                        yield return problem;
                    }

                    break;
                }

                case SignalMsi m:
                {
                    var outcome = (MsiOutcome)applied.Result!;
                    foreach (var problem in Land(_nextInterrupt++, !outcome.Pending, outcome.IntId, landings, $"MSI {m.DeviceId}/{m.EventId}"))
                    {
                        yield return problem;
                    }

                    break;
                }

                case ProgramMsixVector p when pbaBefore[p.Vector] && !host.FindVfioDevice("nic")!.Vectors[p.Vector].PbaPending:
                {
                    // Unmasking released the PBA: the device's message went out through the new route, after set_forwarding.
                    var programmed = applied.Events.ToList().FindIndex(e => e is MsixVectorProgrammed);
                    var release = landings.LastOrDefault(e => applied.Events.ToList().IndexOf(e) > programmed);
                    var held = _pba.Remove(p.Vector, out var ids) ? ids : [];
                    if (release is null)
                    {
                        yield return $"vector {p.Vector}: the PBA was released without the message landing anywhere";
                        yield break;
                    }

                    foreach (var id in held)
                    {
                        Attach(id, release);
                    }

                    break;
                }
            }
        }

        private IEnumerable<string> Land(int interrupt, bool dropped, uint? intId, List<FabricEvent> landings, string what)
        {
            if (landings.Count != 1)
            {
                yield return $"{what}: {landings.Count} landing events (one expected)";
                yield break;
            }

            var landing = landings[0];
            if (dropped != landing is MsiDropped)
            {
                yield return $"{what}: the outcome says dropped={dropped} but the event is {landing.Type}";
                yield break;
            }

            if (!dropped && LandingKey(landing).IntId != intId)
            {
                yield return $"{what}: the outcome names INTID {intId} but it landed on {LandingKey(landing)}";
            }

            Attach(interrupt, landing);
        }

        private void Attach(int interrupt, FabricEvent landing)
        {
            if (landing is MsiDropped)
            {
                _fate[interrupt] = "dropped";
                return;
            }

            // Where it landed is open now (the comparison with the fabric checks it); a coalesced one joins that period.
            if (_periods.TryGetValue(LandingKey(landing), out var period))
            {
                period.Interrupts.Add(interrupt);
            }
            else
            {
                _fate[interrupt] = $"landed on {LandingKey(landing)} but no pending period is open";
            }
        }

        private static (string Vm, uint IntId) LandingKey(FabricEvent e) => e switch
        {
            LpiPending p => (p.VmId, p.IntId),
            VlpiPending p => (p.VmId, p.IntId),
            VlpiDelivered d => (d.VmId, d.IntId),
            _ => ("", 0),
        };

        private void Close((string Vm, uint IntId) key, string fate)
        {
            if (_periods.Remove(key, out var period))
            {
                foreach (var interrupt in period.Interrupts)
                {
                    _fate[interrupt] = fate;
                }
            }
        }

        /// <summary>The ledger against the fabric: every (VM, INTID) pending exactly where the events say, never in two places.</summary>
        public IEnumerable<string> CompareWith(Host host)
        {
            var keys = new HashSet<(string Vm, uint IntId)>(_periods.Keys);
            foreach (var vm in host.Vms)
            {
                keys.UnionWith(vm.Lpis.Lpis.Where(l => l.Pending).Select(l => (vm.Id, l.IntId.Value)));
            }

            foreach (var vpe in host.HostIts.Vpes)
            {
                keys.UnionWith(vpe.PendingVlpis.Select(i => (vpe.VmId, i)));
            }

            foreach (var key in keys)
            {
                var software = host.FindVm(key.Vm)?.Lpis.Find(key.IntId)?.Pending == true;
                var vpes = host.HostIts.Vpes.Count(v => v.VmId == key.Vm && v.PendingVlpis.Contains(key.IntId));
                var where = _periods.GetValueOrDefault(key)?.Where;
                if (software && vpes > 0)
                {
                    yield return $"{key}: pending both in software and as a VLPI (§7.9)";
                }

                if (vpes > 1)
                {
                    yield return $"{key}: pending as a VLPI on {vpes} vPEs";
                }

                var actual = software ? Where.Software : vpes > 0 ? Where.Vlpi : (Where?)null;
                if (actual != where)
                {
                    yield return $"{key}: the fabric has it {actual?.ToString() ?? "idle"}, the events say {where?.ToString() ?? "idle"} (lost or created silently)";
                }
            }
        }

        /// <summary>At the end: every interrupt was acknowledged, reported dropped, or is still pending (or held in the PBA).</summary>
        public void CheckEveryInterruptAccountedFor(Host host)
        {
            var pending = _periods.Values.SelectMany(p => p.Interrupts).ToHashSet();
            var held = _pba.Values.SelectMany(h => h).ToHashSet();
            for (var interrupt = 0; interrupt < _nextInterrupt; interrupt++)
            {
                var fate = _fate.GetValueOrDefault(interrupt);
                var places = (fate is "acknowledged" or "dropped" ? 1 : 0) + (pending.Contains(interrupt) ? 1 : 0) + (held.Contains(interrupt) ? 1 : 0);
                Assert.True(places == 1, $"interrupt {interrupt}: fate '{fate}', pending={pending.Contains(interrupt)}, held={held.Contains(interrupt)}");
            }

            foreach (var (vector, ids) in _pba)
            {
                Assert.True(ids.Count == 0 || host.FindVfioDevice("nic")!.Vectors[vector].PbaPending, $"vector {vector} holds interrupts but its PBA bit is clear");
            }
        }
    }
}
