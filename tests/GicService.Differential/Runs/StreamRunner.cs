using System.Globalization;
using System.Text;
using GicService.Differential.Qemu;
using GicService.Differential.Streams;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Differential.Runs;

/// <summary>
/// Runs one stream on GicService's domain (in process, KVM's semantics) and on QEMU's ITS, command by
/// command, and compares after every command which of them failed and which LPIs are pending on which
/// vCPU, then at the end the whole pending tables and the device, ITE and collection state.
/// <para>
/// Pending state: KVM's is the LPI's latch and its target vCPU; QEMU's is the bit in the target
/// redistributor's pending table. Both set it on INT whatever the LPI's enable bit (the property table
/// never changes here, so row 13 does not arise).
/// </para>
/// <para>
/// Known differences (spec/qemu-vs-kvm.md) are decided from GicService's state before the command,
/// which is KVM's state: a command is dropped from the stream (row 12), kept from QEMU (row 2), or
/// compared with the outcome the table predicts (rows 7, 8, 9), and where the table says QEMU keeps a
/// stale bit or entry the harness does in QEMU what KVM does (rows 3, 4, 6, 8, 10), so the comparison
/// stays exact afterwards.
/// </para>
/// </summary>
public sealed class StreamRunner
{
    public const string VmId = "vm1";

    // The pending bytes compared after every command: LPIs 8192-10239 and 65520-65535 hold every INTID the
    // generator uses. The whole table is compared at the end of the stream.
    private static readonly (int Offset, int Length)[] PendingWindow = [(1024, 256), (QemuIts.PendingTableBytes - 2, 2)];

    private readonly RunStatistics _statistics;

    public StreamRunner(RunStatistics statistics)
    {
        _statistics = statistics;
    }

    public StreamResult Run(CommandStream stream, QemuIts qemu)
    {
        var host = Host.Create(new HostConfiguration("differential", 4, GicVersion.V4_0), out _);
        var created = host.Apply(new CreateVm(VmId, stream.Vcpus, StreamLayout.MemoryMiB, VmSetup.Ready));
        if (!created.Accepted)
        {
            throw new InvalidOperationException($"GicService refused the VM: {created.Rejection}");
        }

        var vm = host.FindVm(VmId)!;
        qemu.Reset();
        if (stream.QueueStart > 0)
        {
            PrimeQueue(stream.QueueStart, host, qemu);
        }

        var trace = new List<TraceLine>();
        var effective = new List<StreamStep>();
        var results = new List<ProcessedCommand>();

        for (var index = 0; index < stream.Steps.Count; index++)
        {
            var step = stream.Steps[index];
            var line = new TraceLine(index, step);
            trace.Add(line);
            try
            {
                if (RunStep(step, vm, host, qemu, line) is { } result)
                {
                    effective.Add(step);
                    results.Add(result);
                }

                ComparePending(vm, qemu, PendingWindow, $"after [{index}]");
            }
            catch (DifferentialMismatchException e)
            {
                throw new DifferentialMismatchException(Report(stream, trace, e.Message), index);
            }
        }

        try
        {
            ComparePending(vm, qemu, [(0, QemuIts.PendingTableBytes)], "at the end (whole pending tables)");
            CompareTables(vm, qemu);
        }
        catch (DifferentialMismatchException e)
        {
            throw new DifferentialMismatchException(Report(stream, trace, e.Message), stream.Steps.Count - 1);
        }

        _statistics.CountStream();
        return new StreamResult(new CommandStream(stream.Vcpus, effective, stream.QueueStart), results, PendingOf(vm));
    }

    /// <summary>Both queues: the first <paramref name="slots"/> slots used by SYNCs, so the stream wraps around the queue's end.</summary>
    private static void PrimeQueue(int slots, Host host, QemuIts qemu)
    {
        var sync = ItsCommandCodec.Encode(new Sync(0));
        var applied = host.Apply(new ProcessItsCommands(VmId, [.. Enumerable.Repeat(new QueuedCommand(null, sync), slots)]));
        if (applied.Result is not CommandsResult { Processed: true } primed || primed.Results.Count != slots
            || primed.Results.Any(r => r.Status != CommandStatus.Ok) || primed.Creadr != (ulong)slots * 32)
        {
            throw new DifferentialMismatchException($"GicService did not run {slots} SYNCs to prime the queue: {applied.Rejection?.ToString() ?? applied.Result?.ToString()}");
        }

        var outcome = qemu.Prime(slots, sync);
        if (outcome.Failed || outcome.Stalled || outcome.Creadr != (ulong)slots * 32)
        {
            throw new DifferentialMismatchException($"QEMU did not run {slots} SYNCs to prime the queue: CREADR 0x{outcome.Creadr:x}, log '{outcome.Log}'");
        }
    }

    /// <summary>Run one step on both sides; null when the step is dropped from the stream.</summary>
    private ProcessedCommand? RunStep(StreamStep step, Vm vm, Host host, QemuIts qemu, TraceLine line)
    {
        if (step.Redistributor is { } write)
        {
            return RunRedistributorWrite(write, host, qemu, line);
        }

        var command = step.Command;
        var iteBefore = command switch
        {
            Mapti c => vm.Its.FindIte(c.DeviceId.Value, c.EventId.Value),
            Mapi c => vm.Its.FindIte(c.DeviceId.Value, c.EventId.Value),
            Clear c => vm.Its.FindIte(c.DeviceId.Value, c.EventId.Value),
            Inv c => vm.Its.FindIte(c.DeviceId.Value, c.EventId.Value),
            Discard c => vm.Its.FindIte(c.DeviceId.Value, c.EventId.Value),
            Movi c => vm.Its.FindIte(c.DeviceId.Value, c.EventId.Value),
            _ => null,
        };
        var oldTarget = iteBefore?.Collection?.Target;

        if (WouldShareLpi(vm, command, iteBefore))
        {
            // Row 12: KVM would share one LPI between two ITEs (pending and target shared), QEMU keeps
            // one per ITE. Dropped from both sides.
            line.Note(KnownDifference.Row12SharedIntId, "dropped: the INTID already has an LPI");
            _statistics.Count(KnownDifference.Row12SharedIntId);
            return null;
        }

        var pendingBefore = vm.Lpis.Lpis.Where(l => l.Pending).Select(l => l.IntId.Value).ToHashSet();
        var retarget = RetargetBefore(vm, command);
        var orphans = command is Mapc { Valid: false } unmap
            ? vm.Its.Devices.Values
                .SelectMany(d => d.Ites.Values.Where(i => i.Collection?.Id == unmap.CollectionId).Select(i => (Device: d, Event: i.EventId.Value)))
                .ToList()
            : [];

        if (step.AsMsi && command is Int msi)
        {
            return RunMsi(msi, step.ItsDisabled, host, qemu, line);
        }

        var applied = host.Apply(new ProcessItsCommands(VmId, [new QueuedCommand(null, step.Encode())]));
        if (!applied.Accepted || applied.Result is not CommandsResult { Processed: true, Results: [var result] })
        {
            throw new DifferentialMismatchException($"GicService did not process the command: {applied.Rejection?.ToString() ?? applied.Result?.ToString()}");
        }

        line.Domain = result;
        _statistics.CountCommand();
        _statistics.CountOutcome($"{result.Op} {Describe(result)}");

        if (command is Mapti or Mapi && result.Status == CommandStatus.Ok && iteBefore is not null)
        {
            // Row 2: KVM keeps the existing mapping and reports success; QEMU would overwrite the ITE.
            // Keeping the command from QEMU leaves both with the old mapping.
            line.Note(KnownDifference.Row2MaptiKeepsOldMapping, "not sent to QEMU: the event already has an ITE");
            _statistics.Count(KnownDifference.Row2MaptiKeepsOldMapping);
            return result;
        }

        if (command is Mapd { Valid: true } mapd && result.Status == CommandStatus.Ok)
        {
            // Row 3: KVM's remap starts with no ITEs; QEMU reads whatever the ITT memory holds. A guest
            // gives MAPD a zeroed ITT, and so does the harness.
            qemu.Zero(mapd.IttAddress, (1UL << (mapd.Size + 1)) * QemuIts.IteBytes);
            _statistics.Count(KnownDifference.Row3MapdSameItt);
        }

        var outcome = qemu.Execute(step.EncodeForQemu(QemuIts.RamBase));
        line.Qemu = outcome;
        if (outcome.Stalled || outcome.Creadr != outcome.Cwriter)
        {
            // Row 1: guest-memory errors stall QEMU's queue; the generator keeps every table and ITT in RAM.
            throw new DifferentialMismatchException(
                $"QEMU's command queue stalled (GITS_CREADR 0x{outcome.Creadr:x}{(outcome.Stalled ? " Stalled" : string.Empty)}, GITS_CWRITER 0x{outcome.Cwriter:x})");
        }

        CompareOutcome(command, result, outcome, iteBefore, line);

        if (command is Clear && result.Status == CommandStatus.Ok && iteBefore is { Collection: not { IsMapped: true } })
        {
            // Row 8: KVM cleared the latch; QEMU refused the command and kept its bit.
            ClearEverywhere(qemu, vm, iteBefore.Lpi.IntId.Value);
        }

        if (result.Status == CommandStatus.Ok && iteBefore is not null && oldTarget is { } from)
        {
            PendingChangeWithLpisDisabled(command, vm, qemu, iteBefore.Lpi.IntId.Value, from, line);
        }

        if (command is Mapc { Valid: false } && result.Status == CommandStatus.Ok && orphans.Count > 0)
        {
            // Row 6: KVM's ITEs lose their collection for good (a later MAPC V=1 makes a new one); QEMU's
            // keep the ICID and come back with it. Pointing them at an ICID never mapped keeps them orphaned.
            foreach (var (device, eventId) in orphans)
            {
                qemu.WriteIteIcid(QemuIts.Gpa(device.IttAddress), eventId, StreamLayout.OrphanIcid);
            }

            line.Note(KnownDifference.Row6OrphanedItes, $"{orphans.Count} orphaned ITE(s) pointed at ICID 0x{StreamLayout.OrphanIcid:x} in QEMU");
            _statistics.Count(KnownDifference.Row6OrphanedItes);
        }

        if (command is Mapd && result.Status == CommandStatus.Ok)
        {
            // Row 4: the LPIs KVM freed with the device took their pending latch with them; QEMU's bits stay.
            var dropped = pendingBefore.Where(intId => vm.Lpis.Find(intId) is null).ToList();
            foreach (var intId in dropped)
            {
                ClearEverywhere(qemu, vm, intId);
            }

            if (dropped.Count > 0)
            {
                line.Note(KnownDifference.Row4MapdDropsPending, $"cleared QEMU's pending bit of {string.Join(", ", dropped)}");
                _statistics.Count(KnownDifference.Row4MapdDropsPending);
            }
        }

        if (retarget is { } moved && result.Status == CommandStatus.Ok && command is Mapc { Valid: true } remap
            && (uint)(remap.RdBase & 0xFFFF_FFFF) is var newTarget && newTarget != moved.OldTarget)
        {
            // Row 10: KVM's latch moves with the LPI to the new vCPU; QEMU rewrites only the CTE.
            var movedBits = 0;
            foreach (var intId in moved.IntIds)
            {
                if (qemu.IsPending(moved.OldTarget, intId))
                {
                    qemu.SetPending(moved.OldTarget, intId, false);
                    qemu.SetPending(newTarget, intId, true);
                    movedBits++;
                }
            }

            if (movedBits > 0)
            {
                line.Note(KnownDifference.Row10MapcRetargetMovesPending, $"moved {movedBits} pending bit(s) in QEMU from vCPU {moved.OldTarget} to {newTarget}");
                _statistics.Count(KnownDifference.Row10MapcRetargetMovesPending);
            }
        }

        return result;
    }

    /// <summary>The guest writes GICR_CTLR.EnableLPIs of one vCPU; nothing to compare but the pending state after.</summary>
    private ProcessedCommand RunRedistributorWrite(LpiSwitch write, Host host, QemuIts qemu, TraceLine line)
    {
        var applied = host.Apply(new WriteRedistributorRegister(VmId, write.Vcpu, RedistributorRegister.Control, 0, 4, write.Enable ? 1UL : 0UL));
        if (!applied.Accepted)
        {
            throw new DifferentialMismatchException($"GicService refused the GICR_CTLR write: {applied.Rejection}");
        }

        var result = new ProcessedCommand(0, string.Empty, "GICR_CTLR", CommandStatus.Ok, null, null, null);
        line.Domain = result;
        var log = qemu.SetEnableLpis(write.Vcpu, write.Enable);
        line.Qemu = new QemuCommandOutcome(log, 0, false, 0);
        if (log.Length > 0)
        {
            throw new DifferentialMismatchException($"QEMU logged a guest error for the GICR_CTLR write: {log.Trim()}");
        }

        _statistics.CountOutcome($"GICR_CTLR.EnableLPIs := {(write.Enable ? 1 : 0)}");
        return result;
    }

    /// <summary>
    /// An MSI from the VMM: KVM_SIGNAL_MSI on GicService (the translation cache fast path, then the INT
    /// path), a GITS_TRANSLATER write on QEMU (row 19: KVM ignores the CPU's TRANSLATER writes, and
    /// QEMU's carry DeviceID 0 from qtest). Both fail exactly where INT fails.
    /// </summary>
    private ProcessedCommand RunMsi(Int msi, bool itsDisabled, Host host, QemuIts qemu, TraceLine line)
    {
        if (itsDisabled)
        {
            SetItsEnabled(host, false);
        }

        var applied = host.Apply(new SignalMsi(VmId, msi.DeviceId.Value, msi.EventId.Value));
        if (!applied.Accepted || applied.Result is not MsiOutcome outcome)
        {
            throw new DifferentialMismatchException($"GicService refused the MSI: {applied.Rejection}");
        }

        if (itsDisabled)
        {
            SetItsEnabled(host, true);
        }

        var result = new ProcessedCommand(0, string.Empty, "MSI", outcome.Pending ? CommandStatus.Ok : CommandStatus.Error,
            outcome.ItsError, outcome.Errno, outcome.Reason);
        line.Domain = result;
        _statistics.CountCommand();
        _statistics.CountOutcome($"MSI {Describe(result)}");

        var qemuOutcome = qemu.SignalMsi(msi.EventId.Value, itsDisabled);
        line.Qemu = qemuOutcome;
        if (itsDisabled)
        {
            // Row 24 (new, docs/qemu-differences.md): an MSI while the ITS is disabled is dropped by both,
            // with -EBUSY by KVM (vgic_its_resolve_lpi; the translation cache was invalidated by the
            // disable) and silently by QEMU (gicv3_its_translation_write ignores it).
            Expect(result.Errno == Errno.EBUSY, "GicService to drop the MSI with -EBUSY while the ITS is disabled (row 24)", result, qemuOutcome);
            Expect(!qemuOutcome.Failed, "QEMU to ignore the MSI silently while the ITS is disabled (row 24)", result, qemuOutcome);
            line.Note(KnownDifference.Row24MsiWithItsDisabled, "KVM -EBUSY, QEMU ignores it");
            _statistics.Count(KnownDifference.Row24MsiWithItsDisabled);
            return result;
        }

        CompareOutcome(msi, result, qemuOutcome, null, line);
        return result;
    }

    private static void SetItsEnabled(Host host, bool enabled)
    {
        var applied = host.Apply(new WriteItsRegister(VmId, ItsRegister.Control, 0, 4, enabled ? 1UL : 0UL));
        if (applied.Result is not RegisterWriteResult written || (written.Value & 1) != (enabled ? 1UL : 0UL))
        {
            throw new DifferentialMismatchException($"GicService's GITS_CTLR did not take Enabled = {enabled}: {applied.Rejection?.ToString() ?? applied.Result?.ToString()}");
        }
    }

    /// <summary>
    /// Row 23 (new, docs/qemu-differences.md): KVM's CLEAR, DISCARD and MOVI change the LPI's latch
    /// whatever EnableLPIs says (vgic_its_cmd_handle_clear, its_free_ite, update_affinity); QEMU's
    /// gicv3_redist_process_lpi ignores a redistributor with EnableLPIs = 0 and gicv3_redist_mov_lpi
    /// does nothing unless both have it set. The harness does to QEMU's bit what KVM did.
    /// </summary>
    private void PendingChangeWithLpisDisabled(ItsCommand command, Vm vm, QemuIts qemu, uint intId, uint from, TraceLine line)
    {
        bool Disabled(uint vcpu) => vm.FindRedistributor(vcpu) is { EnableLpis: false };
        switch (command)
        {
            case Clear or Discard when Disabled(from) && qemu.IsPending(from, intId):
                qemu.SetPending(from, intId, false);
                break;
            case Movi movi when vm.Its.Collections.TryGetValue(movi.CollectionId.Value, out var to) && to.Target is { } target
                                && target != from && (Disabled(from) || Disabled(target)) && qemu.IsPending(from, intId):
                qemu.SetPending(from, intId, false);
                qemu.SetPending(target, intId, true);
                break;
            default:
                return;
        }

        line.Note(KnownDifference.Row23PendingChangeWithLpisDisabled, $"EnableLPIs = 0: QEMU's bit of {intId} {(command is Movi ? "moved" : "cleared")} as KVM's latch was");
        _statistics.Count(KnownDifference.Row23PendingChangeWithLpisDisabled);
    }

    private void CompareOutcome(ItsCommand command, ProcessedCommand result, QemuCommandOutcome outcome, Ite? iteBefore, TraceLine line)
    {
        var collectionUnmapped = iteBefore is not null && iteBefore.Collection is not { IsMapped: true };
        switch (result.Status)
        {
            case CommandStatus.Ok when command is Inv && collectionUnmapped:
                // Row 7: KVM needs only the ITE; QEMU also looks the collection up and fails.
                Expect(outcome.Failed, "QEMU to fail INV on an ITE whose collection is unmapped (row 7)", result, outcome);
                line.Note(KnownDifference.Row7InvUnmappedCollection, "KVM ok, QEMU 'invalid CTE'");
                _statistics.Count(KnownDifference.Row7InvUnmappedCollection);
                return;

            case CommandStatus.Ok when command is Clear && collectionUnmapped:
                // Row 8: KVM clears the latch with only the ITE; QEMU fails on the collection and keeps its bit.
                Expect(outcome.Failed, "QEMU to fail CLEAR on an ITE whose collection is unmapped (row 8)", result, outcome);
                line.Note(KnownDifference.Row8ClearUnmappedCollection, "KVM ok, QEMU 'invalid CTE'; QEMU's bit cleared");
                _statistics.Count(KnownDifference.Row8ClearUnmappedCollection);
                return;

            case CommandStatus.Error when command is Invall && result.ItsError == ItsError.InvallUnmappedCollection:
                // Row 9: QEMU never checks INVALL's ICID.
                Expect(!outcome.Failed, "QEMU to accept INVALL whatever the ICID (row 9)", result, outcome);
                line.Note(KnownDifference.Row9InvallUnmappedCollection, "KVM INVALL_UNMAPPED_COLLECTION, QEMU ok");
                _statistics.Count(KnownDifference.Row9InvallUnmappedCollection);
                return;

            case CommandStatus.Error when command is Int && result.Errno == Errno.EBUSY:
                // Row 22 (new, docs/qemu-differences.md): the target redistributor has EnableLPIs = 0.
                // vgic_its_resolve_lpi returns -EBUSY; QEMU's gicv3_redist_process_lpi returns without a word.
                Expect(!outcome.Failed, "QEMU to drop the interrupt silently (row 22)", result, outcome);
                line.Note(KnownDifference.Row22TriggerWithLpisDisabled, "KVM -EBUSY, QEMU drops it silently");
                _statistics.Count(KnownDifference.Row22TriggerWithLpisDisabled);
                return;

            case CommandStatus.Ignored:
                // KVM's vITS implements no V-command and ignores unknown opcodes; QEMU with a GICv3 (no
                // Virtual feature) skips both silently.
                Expect(!outcome.Failed, "QEMU to skip the command silently, as KVM ignores it", result, outcome);
                return;

            default:
                var kvmFailed = result.Status == CommandStatus.Error;
                Expect(kvmFailed == outcome.Failed, kvmFailed ? "QEMU to fail the command too" : "QEMU to accept the command too", result, outcome);
                return;
        }
    }

    /// <summary>Clear <paramref name="intId"/>'s bit in every redistributor's pending table in QEMU.</summary>
    public static void ClearEverywhere(QemuIts qemu, Vm vm, uint intId)
    {
        for (var vcpu = 0u; vcpu < vm.Vcpus.Count; vcpu++)
        {
            if (qemu.IsPending(vcpu, intId))
            {
                qemu.SetPending(vcpu, intId, false);
            }
        }
    }

    private static void Expect(bool holds, string what, ProcessedCommand result, QemuCommandOutcome outcome)
    {
        if (!holds)
        {
            throw new DifferentialMismatchException(
                $"expected {what}: GicService {Describe(result)}, QEMU {(outcome.Failed ? "failed: " + outcome.Log.Trim() : "ok (nothing logged)")}");
        }
    }

    /// <summary>Row 12: a MAPTI/MAPI that KVM would accept as a new ITE for an INTID that already has an LPI.</summary>
    private static bool WouldShareLpi(Vm vm, ItsCommand command, Ite? iteBefore)
    {
        var (device, eventId, intId) = command switch
        {
            Mapti c => (c.DeviceId.Value, c.EventId.Value, c.IntId.Value),
            Mapi c => (c.DeviceId.Value, c.EventId.Value, c.EventId.Value),
            _ => (0u, 0u, 0u),
        };
        return command is Mapti or Mapi
            && iteBefore is null
            && vm.Its.Devices.TryGetValue(device, out var mapped)
            && eventId < (1UL << mapped.EventIdBits)
            && vm.Lpis.Find(intId) is not null;
    }

    private static (uint OldTarget, List<uint> IntIds)? RetargetBefore(Vm vm, ItsCommand command)
    {
        if (command is not Mapc { Valid: true } mapc
            || !vm.Its.Collections.TryGetValue(mapc.CollectionId.Value, out var collection)
            || collection.Target is not { } oldTarget)
        {
            return null;
        }

        var intIds = vm.Its.Devices.Values
            .SelectMany(d => d.Ites.Values)
            .Where(i => i.Collection == collection)
            .Select(i => i.Lpi.IntId.Value)
            .ToList();
        return (oldTarget, intIds);
    }

    /// <summary>KVM's pending state: (vCPU, INTID) of every latched LPI; vCPU -1 for one with no target.</summary>
    public static SortedSet<(long Vcpu, uint IntId)> PendingOf(Vm vm) =>
        new(vm.Lpis.Lpis.Where(l => l.Pending).Select(l => (l.TargetVcpu is { } v ? (long)v : -1L, l.IntId.Value)));

    private static void ComparePending(Vm vm, QemuIts qemu, (int Offset, int Length)[] window, string when)
    {
        var expected = new SortedSet<(long Vcpu, uint IntId)>(
            PendingOf(vm).Where(p => window.Any(w => p.IntId / 8 >= w.Offset && p.IntId / 8 < w.Offset + w.Length)));
        var actual = new SortedSet<(long Vcpu, uint IntId)>();
        var tables = qemu.ReadPending(window);
        for (var vcpu = 0; vcpu < tables.Length; vcpu++)
        {
            for (var w = 0; w < window.Length; w++)
            {
                var bytes = tables[vcpu][w];
                for (var i = 0; i < bytes.Length; i++)
                {
                    if (bytes[i] == 0)
                    {
                        continue;
                    }

                    for (var bit = 0; bit < 8; bit++)
                    {
                        if ((bytes[i] & (1 << bit)) != 0)
                        {
                            actual.Add((vcpu, (uint)((window[w].Offset + i) * 8 + bit)));
                        }
                    }
                }
            }
        }

        if (!expected.SetEquals(actual))
        {
            throw new DifferentialMismatchException(
                $"pending LPIs differ {when}: GicService {Pending(expected)}, QEMU {Pending(actual)}" +
                $" (only in GicService: {Pending(expected.Except(actual))}; only in QEMU: {Pending(actual.Except(expected))})");
        }
    }

    /// <summary>Devices, ITEs and collections: GicService's objects against QEMU's tables in guest RAM.</summary>
    private static void CompareTables(Vm vm, QemuIts qemu)
    {
        var problems = new List<string>();
        foreach (var deviceId in StreamGenerator.DeviceIds)
        {
            var dte = qemu.ReadDte(deviceId);
            vm.Its.Devices.TryGetValue(deviceId, out var device);
            if (dte.Valid != (device is not null))
            {
                problems.Add($"device {deviceId}: GicService {(device is null ? "unmapped" : "mapped")}, QEMU DTE {(dte.Valid ? "valid" : "invalid")}");
                continue;
            }

            if (device is null)
            {
                continue;
            }

            if (dte.Size != device.EventIdBits - 1 || dte.IttAddress != QemuIts.Gpa(device.IttAddress))
            {
                problems.Add($"device {deviceId}: GicService size {device.EventIdBits - 1} ITT 0x{device.IttAddress:x}, QEMU size {dte.Size} ITT 0x{dte.IttAddress:x}");
            }

            var events = StreamGenerator.EventIds.Where(e => e < (1UL << device.EventIdBits)).ToList();
            var qemuItes = new Dictionary<uint, QemuIte>();
            foreach (var run in Runs(events))
            {
                var ites = qemu.ReadItes(dte.IttAddress, run.First, run.Count);
                for (var i = 0; i < run.Count; i++)
                {
                    qemuItes[run.First + (uint)i] = ites[i];
                }
            }

            foreach (var eventId in events)
            {
                var qemuIte = qemuItes[eventId];
                device.Ites.TryGetValue(eventId, out var ite);
                if (qemuIte.Valid != (ite is not null))
                {
                    problems.Add($"ITE {deviceId}/{eventId}: GicService {(ite is null ? "none" : $"INTID {ite.Lpi.IntId}")}, QEMU {(qemuIte.Valid ? $"INTID {qemuIte.IntId} ICID {qemuIte.Icid}" : "invalid")}");
                }
                else if (ite is not null)
                {
                    var icid = ite.Collection?.Id.Value ?? StreamLayout.OrphanIcid;
                    if (!qemuIte.Physical || qemuIte.IntId != ite.Lpi.IntId.Value || qemuIte.Icid != icid)
                    {
                        problems.Add($"ITE {deviceId}/{eventId}: GicService INTID {ite.Lpi.IntId} ICID {icid}, QEMU INTID {qemuIte.IntId} ICID {qemuIte.Icid} physical {qemuIte.Physical}");
                    }
                }
            }

            foreach (var eventId in device.Ites.Keys.Where(e => !events.Contains(e)))
            {
                problems.Add($"ITE {deviceId}/{eventId}: GicService has it, and the comparison does not look there");
            }
        }

        foreach (var icid in StreamGenerator.CollectionIds)
        {
            var cte = qemu.ReadCte(icid);
            var target = vm.Its.Collections.TryGetValue(icid, out var collection) ? collection.Target : null;
            if (cte.Valid != (target is not null) || (target is { } t && t != cte.RdBase))
            {
                problems.Add($"collection {icid}: GicService {(target is { } g ? $"on vCPU {g}" : collection is null ? "unknown" : "unmapped")}, QEMU CTE {(cte.Valid ? $"RDbase {cte.RdBase}" : "invalid")}");
            }
        }

        if (problems.Count > 0)
        {
            throw new DifferentialMismatchException("ITS state differs at the end:\n  " + string.Join("\n  ", problems));
        }
    }

    private static IEnumerable<(uint First, int Count)> Runs(IReadOnlyList<uint> sorted)
    {
        var i = 0;
        while (i < sorted.Count)
        {
            var j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1)
            {
                j++;
            }

            yield return (sorted[i], j - i + 1);
            i = j + 1;
        }
    }

    public static string Describe(ProcessedCommand result) => result.Status switch
    {
        CommandStatus.Ok => "ok",
        CommandStatus.Ignored => "ignored",
        _ => result.ItsError is { } error ? $"error {error.Name()} ({error.Code()})" : $"error -{result.Errno} ({result.Reason})",
    };

    private static string Pending(IEnumerable<(long Vcpu, uint IntId)> pending)
    {
        var list = pending.Select(p => p.Vcpu < 0 ? $"{p.IntId}@none" : $"{p.IntId}@vCPU{p.Vcpu}").ToList();
        return list.Count == 0 ? "{}" : "{" + string.Join(", ", list) + "}";
    }

    private static string Report(CommandStream stream, List<TraceLine> trace, string mismatch)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{mismatch}\nTrace ({stream.Vcpus} vCPUs; GicService = KVM semantics):");
        foreach (var line in trace)
        {
            text.Append('\n').Append(line);
        }

        return text.ToString();
    }

    private sealed class TraceLine(int index, StreamStep step)
    {
        private readonly List<string> _notes = [];

        public ProcessedCommand? Domain { get; set; }

        public QemuCommandOutcome? Qemu { get; set; }

        public void Note(KnownDifference row, string text) => _notes.Add($"row {(int)row}: {text}");

        public override string ToString()
        {
            var domain = Domain is null ? "-" : Describe(Domain);
            var qemu = Qemu is null ? "-" : Qemu.Failed ? "failed: " + Qemu.Log.Trim().Replace("\n", " | ", StringComparison.Ordinal) : "ok";
            var notes = _notes.Count == 0 ? string.Empty : "  [" + string.Join("; ", _notes) + "]";
            return $"  [{index}] {step}  =>  GicService {domain}; QEMU {qemu}{notes}";
        }
    }
}

/// <summary>What a stream did on GicService: the steps it kept (row 12 drops some), their results and the final pending LPIs.</summary>
public sealed record StreamResult(CommandStream Effective, IReadOnlyList<ProcessedCommand> Results, SortedSet<(long Vcpu, uint IntId)> Pending);

/// <summary>GicService and QEMU disagree; <see cref="StepIndex"/> is the step after which it showed (the last step for an end-of-stream difference).</summary>
public sealed class DifferentialMismatchException(string message, int? stepIndex = null) : Exception(message)
{
    public int? StepIndex { get; } = stepIndex;
}
