using GicService.Differential.Runs;
using GicService.Differential.Streams;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Differential;

/// <summary>
/// Minimal streams the differential once printed, kept so they run on every commit whatever the random
/// seeds are. Paste a failure's "As C#" stream here, named for what it found.
/// </summary>
public sealed class RegressionStreams(DifferentialFixture fixture) : IClassFixture<DifferentialFixture>
{
    public static TheoryData<string> Names => [.. Streams.Keys];

    private static readonly Dictionary<string, CommandStream> Streams = new()
    {
        // Found row 22: INT with EnableLPIs = 0 is -EBUSY in KVM and silent in QEMU.
        ["Row22_IntWithLpisDisabled"] = new CommandStream(1, [
            new StreamStep(new Mapd(new DeviceId(1), 1, 0x1200000, true)),
            new StreamStep(new Mapc(new CollectionId(2), 0, true)),
            new StreamStep(new Mapti(new DeviceId(1), new EventId(0), new IntId(8195), new CollectionId(2))),
            StreamStep.SetEnableLpis(0, false),
            new StreamStep(new Int(new DeviceId(1), new EventId(0))),
        ]),

        // Found row 23: CLEAR with EnableLPIs = 0 clears KVM's latch, not QEMU's bit.
        ["Row23_ClearWithLpisDisabled"] = new CommandStream(1, [
            new StreamStep(new Mapd(new DeviceId(2), 1, 0x1500000, true)),
            new StreamStep(new Mapc(new CollectionId(0), 0, true)),
            new StreamStep(new Mapti(new DeviceId(2), new EventId(2), new IntId(8206), new CollectionId(0))),
            new StreamStep(new Int(new DeviceId(2), new EventId(2))),
            StreamStep.SetEnableLpis(0, false),
            new StreamStep(new Clear(new DeviceId(2), new EventId(2))),
        ]),

        // Row 24 and the translation cache: the INT fills KVM's cache, disabling the ITS must empty it.
        ["Row24_MsiWithItsDisabledAfterACachedTranslation"] = new CommandStream(1, [
            new StreamStep(new Mapd(new DeviceId(0), 1, 0x1000000, true)),
            new StreamStep(new Mapc(new CollectionId(0), 0, true)),
            new StreamStep(new Mapti(new DeviceId(0), new EventId(1), new IntId(8192), new CollectionId(0))),
            new StreamStep(new Int(new DeviceId(0), new EventId(1)), AsMsi: true),
            new StreamStep(new Clear(new DeviceId(0), new EventId(1))),
            new StreamStep(new Int(new DeviceId(0), new EventId(1)), AsMsi: true, ItsDisabled: true),
            new StreamStep(new Int(new DeviceId(0), new EventId(1)), AsMsi: true),
        ]),

        // Rows 6, 8 and 10 in one stream: orphan an ITE, clear it, remap the collection elsewhere.
        ["Rows6_8_10_OrphanClearRetarget"] = new CommandStream(2, [
            new StreamStep(new Mapd(new DeviceId(1), 2, 0x1200000, true)),
            new StreamStep(new Mapc(new CollectionId(0), 0, true)),
            new StreamStep(new Mapti(new DeviceId(1), new EventId(0), new IntId(8192), new CollectionId(0))),
            new StreamStep(new Mapti(new DeviceId(1), new EventId(1), new IntId(8193), new CollectionId(1))),
            new StreamStep(new Mapc(new CollectionId(1), 0, true)),
            new StreamStep(new Int(new DeviceId(1), new EventId(0))),
            new StreamStep(new Int(new DeviceId(1), new EventId(1))),
            new StreamStep(new Mapc(new CollectionId(0), 0, false)),
            new StreamStep(new Clear(new DeviceId(1), new EventId(0))),
            new StreamStep(new Mapc(new CollectionId(1), 1, true)),
            new StreamStep(new Mapc(new CollectionId(0), 1, true)),
            new StreamStep(new Int(new DeviceId(1), new EventId(0))),
        ]),

        // A stream that wraps the command queue, with noise in ignored bits.
        ["QueueWrapWithNoise"] = new CommandStream(2, [
            new StreamStep(new Mapd(new DeviceId(2), 3, 0x1400000, true), new CommandNoise(0x1200, 0xffe0, 0x7ff00000000000ff, 0x1)),
            new StreamStep(new Mapc(new CollectionId(3), 0xf00000001, true)),
            new StreamStep(new Mapti(new DeviceId(2), new EventId(7), new IntId(8207), new CollectionId(3))),
            new StreamStep(new Int(new DeviceId(2), new EventId(7)), new CommandNoise(0xffffff00, 0xffffffff00000000, ulong.MaxValue, ulong.MaxValue)),
            new StreamStep(new Movi(new DeviceId(2), new EventId(7), new CollectionId(3))),
        ], QueueStart: 2047),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void Stream_RunsTheSameOnGicServiceAndQemu(string name)
    {
        var stream = Streams[name];
        var qemu = fixture.Qemu.Rent(stream.Vcpus);
        try
        {
            new StreamRunner(new RunStatistics()).Run(stream, qemu);
        }
        finally
        {
            fixture.Qemu.Return(qemu);
        }
    }
}
