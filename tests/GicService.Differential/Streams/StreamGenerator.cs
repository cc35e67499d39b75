using CsCheck;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Differential.Streams;

/// <summary>
/// Random command streams for the differential, valid and invalid. Ids come from small ranges so
/// commands hit each other (devices 0-2, events 0-3, collections 0-3, LPIs 8192-8207), with a few
/// out-of-range values that still fit their fields. Known differences that no relaxed comparison can
/// absorb are kept out here, each naming its row of spec/qemu-vs-kvm.md (rows 1, 5, 11, 15, 16; row 12
/// is kept out at run time by StreamRunner). Rows that cannot arise with the ready layout:
/// row 13 (property changes): the property table is never written, and pending state does not
/// depend on it; row 14 (INTID range): PROPBASER has 16 ID bits, so both ranges are 8192-65535;
/// rows 17 and 18 (DeviceID/ICID range): the ready tables hold every 16-bit id on both sides;
/// row 20 (register level): registers are not compared, only commands, MSIs and EnableLPIs;
/// row 21 (CTE RDbase beyond the CPUs): MAPC V=1 refuses such an RDbase on both sides.
/// </summary>
public static class StreamGenerator
{
    public const int MaxVcpus = 4;
    public const int MaxCommands = 40;

    /// <summary>Valid DeviceIDs the generator uses, for the final table comparison.</summary>
    public static readonly uint[] DeviceIds = [0, 1, 2, 0xFFFF];

    /// <summary>EventIDs the generator uses below 2^16, for the final table comparison.</summary>
    public static readonly uint[] EventIds = [.. Enumerable.Range(0, 32).Select(e => (uint)e), 8192, 8193, 0xFFFF];

    /// <summary>ICIDs the generator uses; <see cref="StreamLayout.OrphanIcid"/> is never among them.</summary>
    public static readonly ushort[] CollectionIds = [0, 1, 2, 3, 0x100, 0xFFFE];

    private static readonly Gen<uint> Device = Gen.Frequency((14, Gen.UInt[0, 2]), (1, Gen.OneOf(0xFFFFu, 0x1_0000u, 0xFFFF_FFFFu)));

    // 8192/8193 let MAPI (pINTID = EventID) succeed on a device with 14 or more EventID bits.
    private static readonly Gen<uint> Event = Gen.Frequency(
        (14, Gen.UInt[0, 3]), (2, Gen.UInt[4, 31]), (1, Gen.OneOf(8192u, 8193u, 0xFFFFu, 0x1_0000u, 0xFFFF_FFFFu)));

    // Row 14 does not arise: the ready PROPBASER has 16 ID bits, so KVM's and QEMU's LPI ranges agree.
    private static readonly Gen<uint> Lpi = Gen.Frequency(
        (14, Gen.UInt[8192, 8207]), (1, Gen.OneOf(65534u, 65535u)), (1, Gen.OneOf(0u, 1023u, 8191u, 0x1_0000u, 0xFFFF_FFFFu)));

    private static readonly Gen<ushort> Icid = Gen.Frequency((14, Gen.UShort[0, 3]), (1, Gen.OneOf<ushort>(0x100, 0xFFFE)));

    private static readonly Gen<byte> Size = Gen.Frequency((8, Gen.Byte[1, 3]), (2, Gen.Const<byte>(0)), (1, Gen.Byte[13, 15]), (1, Gen.Byte[16, 31]));

    private static readonly Gen<bool> MostlyValid = Gen.Frequency((6, Gen.Const(true)), (1, Gen.Const(false)));

    // Noise in command bits neither KVM nor QEMU decodes (CommandNoise.UnusedBits), on one command in twelve.
    private static readonly Gen<CommandNoise> Noise = Gen.Frequency(
        (11, Gen.Const(CommandNoise.None)),
        (1, Gen.Select(Gen.ULong, Gen.ULong, Gen.ULong, Gen.ULong, (a, b, c, d) => new CommandNoise(a, b, c, d))));

    // Most streams start at the head of the queue; some start near its end, so that they wrap.
    private const int QueueSlots = (int)(Domain.Vms.ReadyLayout.CommandQueueBytes / 32);
    private static readonly Gen<int> QueueStart = Gen.Frequency((6, Gen.Const(0)), (1, Gen.Int[1, 30].Select(n => QueueSlots - n)));

    /// <summary>
    /// A stream: a set-up part as a driver starts (valid MAPDs, then MAPCs, then MAPTIs over the small
    /// id ranges) and then a mixed part, so most commands meet mapped devices, events and collections.
    /// </summary>
    public static Gen<CommandStream> Streams(int maxCommands = MaxCommands) =>
        Gen.Int[1, MaxVcpus].SelectMany(vcpus => Gen.Select(
            // Each of devices 0-2 and collections 0-3 is mapped at set-up four times in five.
            Gen.Select(Gen.Int[0, 4], Gen.Frequency((6, Gen.Byte[1, 3]), (1, Gen.Byte[13, 15])), Gen.Int[0, 1], (p, s, slot) => (On: p > 0, Size: s, Slot: slot)).Array[3],
            Gen.Select(Gen.Int[0, 4], Gen.Int[0, vcpus - 1], (p, r) => (On: p > 0, RdBase: (ulong)r)).Array[4],
            Gen.Select(Gen.UInt[0, 2], Gen.UInt[0, 3], Gen.UInt[8192, 8207], Gen.UShort[0, 3], (d, e, i, c) =>
                (ItsCommand)new Mapti(new DeviceId(d), new EventId(e), new IntId(i), new CollectionId(c))).List[0, 10],
            Step(vcpus).List[1, maxCommands],
            QueueStart,
            (devices, collections, events, body, queueStart) =>
            {
                var setup = new List<ItsCommand>();
                for (var d = 0u; d < devices.Length; d++)
                {
                    if (devices[d].On)
                    {
                        setup.Add(new Mapd(new DeviceId(d), devices[d].Size, StreamLayout.IttSlot(StreamLayout.IttSlotOf(d, devices[d].Slot)), true));
                    }
                }

                for (var c = 0; c < collections.Length; c++)
                {
                    if (collections[c].On)
                    {
                        setup.Add(new Mapc(new CollectionId((ushort)c), collections[c].RdBase, true));
                    }
                }

                setup.AddRange(events);
                return new CommandStream(vcpus, [.. setup.Select(c => new StreamStep(c)).Concat(body).Take(maxCommands)], queueStart);
            }));

    // An INT for DeviceID 0 goes as an MSI one time in three (row 19: only DeviceID 0 can reach QEMU's
    // GITS_TRANSLATER from qtest), and a quarter of those while the guest has disabled the ITS.
    public static Gen<StreamStep> Step(int vcpus) => Gen.Frequency(
        (40, Gen.Select(Command(vcpus), Noise, Gen.Int[0, 11], (command, noise, msi) => command is Int { DeviceId.Value: 0 } && msi < 4
            ? new StreamStep(command, AsMsi: true, ItsDisabled: msi == 0)
            : new StreamStep(command, noise.Within(CommandNoise.UnusedBits(command))))),
        // The guest clearing and setting a vCPU's GICR_CTLR.EnableLPIs between commands.
        (1, Gen.Select(Gen.UInt[0, (uint)vcpus - 1], Gen.Bool, StreamStep.SetEnableLpis)));

    public static Gen<ItsCommand> Command(int vcpus)
    {
        // Row 15 (MAPC RDbase: KVM reads 32 bits, QEMU keeps 16) and row 16 (MOVALL: KVM 32 bits, QEMU 36):
        // RDbase values stay below 2^16, where all decodings agree.
        var rdBase = Gen.Frequency(
            (14, Gen.Int[0, vcpus - 1].Select(v => (ulong)v)), (2, Gen.Int[vcpus, vcpus + 1].Select(v => (ulong)v)), (1, Gen.Const(0xFFFFUL)));

        // MAPC's RDbase field is [51:16]; KVM reads [47:16] and QEMU [47:16] cut to 16 bits, so bits [51:48]
        // (field bits 35:32) change neither. Bits [47:32] would (row 15) and stay clear.
        var mapcRdBase = Gen.Frequency((8, rdBase), (1, Gen.Select(rdBase, Gen.ULong[1, 15], (r, high) => r | (high << 32))));
        var badRdBase = Gen.OneOf((ulong)vcpus, (ulong)vcpus + 1, 0xFFFFUL);

        return Gen.Frequency<ItsCommand>(
            (5, Gen.Select(Device, Size, MostlyValid, Gen.Int[0, 1], (d, s, v, slot) => (ItsCommand)new Mapd(
                new DeviceId(d),
                // Row 5: MAPD V=0 with Size > 15 unmaps in KVM but is refused by QEMU; V=0 keeps Size <= 15.
                v ? s : (byte)(s & 0xF),
                // Row 1: an ITT outside RAM stalls QEMU's queue at MAPTI; every ITT is a slot in RAM.
                StreamLayout.IttSlot(StreamLayout.IttSlotOf(d, slot)),
                v))),
            (6, Gen.Select(Icid, mapcRdBase, MostlyValid, (c, r, v) => (ItsCommand)new Mapc(new CollectionId(c), r, v))),
            (12, Gen.Select(Device, Event, Lpi, Icid, (d, e, i, c) => (ItsCommand)new Mapti(new DeviceId(d), new EventId(e), new IntId(i), new CollectionId(c)))),
            (3, Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Mapi(new DeviceId(d), new EventId(e), new CollectionId(c)))),
            (8, Gen.Select(Device, Event, Icid, (d, e, c) => (ItsCommand)new Movi(new DeviceId(d), new EventId(e), new CollectionId(c)))),
            (22, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Int(new DeviceId(d), new EventId(e)))),
            (6, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Clear(new DeviceId(d), new EventId(e)))),
            (6, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Discard(new DeviceId(d), new EventId(e)))),
            (4, Gen.Select(Device, Event, (d, e) => (ItsCommand)new Inv(new DeviceId(d), new EventId(e)))),
            (3, Icid.Select(c => (ItsCommand)new Invall(new CollectionId(c)))),
            // Row 11: a MOVALL between two different existing vCPUs retargets every LPI in KVM but only moves
            // pending bits in QEMU, after which INTs go to different vCPUs. Only the no-op (equal RDbases)
            // and the refused (an RDbase that is no vCPU) forms are generated.
            (2, Gen.Frequency(
                (2, rdBase.Select(r => (ItsCommand)new Movall(r, r))),
                (1, Gen.Select(rdBase, badRdBase, Gen.Bool, (good, bad, swap) => (ItsCommand)(swap ? new Movall(bad, good) : new Movall(good, bad)))))),
            (1, Gen.UShort.Select(r => (ItsCommand)new Sync(r))),
            (2, Ignored));
    }

    /// <summary>Opcodes KVM's vITS does not implement: GICv4 V-commands (QEMU with a GICv3 has no Virtual feature either) and unknown ones.</summary>
    private static readonly Gen<ItsCommand> Ignored = Gen.OneOf<ItsCommand>(
        Gen.Select(Device, Event, Gen.UShort[0, 3], (d, e, vpe) => (ItsCommand)new Vmapti(new DeviceId(d), new EventId(e), vpe, new IntId(8192 + e), 1023)),
        Gen.Select(Device, Event, Gen.UShort[0, 3], (d, e, vpe) => (ItsCommand)new Vmapi(new DeviceId(d), new EventId(e), vpe, 1023)),
        Gen.Select(Gen.UShort[0, 3], Gen.ULong[0, 3], Gen.Bool, (vpe, rd, v) => (ItsCommand)new Vmapp(vpe, rd, v, 0x30_0000, 15, false, false, 0, 0)),
        Gen.Select(Device, Event, Gen.UShort[0, 3], (d, e, vpe) => (ItsCommand)new Vmovi(new DeviceId(d), new EventId(e), vpe, false, 0)),
        Gen.Select(Gen.UShort[0, 3], Gen.ULong[0, 3], (vpe, rd) => (ItsCommand)new Vmovp(0, 0, vpe, rd, false, 0)),
        Gen.UShort[0, 3].Select(vpe => (ItsCommand)new Vsync(vpe)),
        Gen.UShort[0, 3].Select(vpe => (ItsCommand)new Vinvall(vpe)),
        Gen.UShort[0, 3].Select(vpe => (ItsCommand)new Invdb(vpe)),
        Gen.UShort[0, 3].Select(vpe => (ItsCommand)new Vsgi(vpe, 1, 0xA, true, false, true)),
        Gen.OneOf<byte>(0x00, 0x02, 0x06, 0x07, 0x10, 0x20, 0x24, 0x2C, 0x2F, 0x41, 0xFF).Select(op => (ItsCommand)new UnknownCommand(op)));
}
