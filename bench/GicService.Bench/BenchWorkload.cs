using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Vms;

namespace GicService.Bench;

/// <summary>
/// The inputs the durability benchmarks apply: a ready VM with device 1 (32 events mapped to LPIs on vCPU 0,
/// which runs), then MSIs and acknowledges in turn, with an INT command batch every 16th input, so every
/// input publishes an event or two and changes LPI state.
/// </summary>
public static class BenchWorkload
{
    public static HostConfiguration Configuration(string id) => new(id, 4, GicVersion.V4_1);

    public static IReadOnlyList<HostInput> Setup()
    {
        var commands = new List<QueuedCommand>
        {
            new(new Mapd(new DeviceId(1), 4, 0, true), null, AllocateItt: true),
            new(new Mapc(new CollectionId(0), 0, true), null),
        };
        for (uint e = 0; e < 32; e++)
        {
            commands.Add(new QueuedCommand(new Mapti(new DeviceId(1), new EventId(e), new IntId(8192 + e), new CollectionId(0)), null));
        }

        return [new CreateVm("vm1", 2, 64, VmSetup.Ready), new ProcessItsCommands("vm1", commands), new LoadVcpu("vm1", 0, 0)];
    }

    /// <summary>The n-th input of the steady workload.</summary>
    public static HostInput Input(long n) => (n % 16) switch
    {
        15 => new ProcessItsCommands("vm1", [new QueuedCommand(new Int(new DeviceId(1), new EventId((uint)(n / 16 % 32))), null)]),
        var k when k % 2 == 0 => new SignalMsi("vm1", 1, (uint)(n / 2 % 32)),
        _ => new AcknowledgeInterrupt("vm1", 0),
    };
}
