using System.Diagnostics;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Vms;

namespace GicService.Bench;

/// <summary>
/// Builds one large host through its inputs and reports the set-up time and memory: 512 vCPUs in 20
/// VMs, 4,096 VFIO vectors (16 devices of 256, programmed and forwarded) and 1,000,000 software-mapped
/// LPIs (50,000 per VM; one VM has at most 57,344 LPIs with 16 ID bits). Run with
/// <c>dotnet run -c Release --project bench/GicService.Bench -- scale</c>.
/// </summary>
public static class ScaleSetup
{
    private const int Vms = 20;
    private const int TotalVcpus = 512;
    private const int LpisPerVm = 50_000;
    private const int Devices = 16;
    private const int VectorsPerDevice = 256;
    private const int Batch = 2000; // fits a 64 KiB command queue (2,047 slots)

    public static void Run()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        var host = Host.Create(new HostConfiguration("scale", 64, GicVersion.V4_1), out _);
        long events = 0;
        for (var i = 0; i < Vms; i++)
        {
            var vcpus = TotalVcpus / Vms + (i < TotalVcpus % Vms ? 1 : 0);
            var vmId = $"vm{i}";
            events += Apply(host, new CreateVm(vmId, vcpus, 1024, VmSetup.Ready));

            // One device per 8,192 events: ITTs from the service's allocator (top of RAM), all on collection 0 -> vCPU 0.
            var commands = new List<QueuedCommand> { new(new Mapc(new CollectionId(0), 0, true), null) };
            for (var d = 0; d * 8192 < LpisPerVm; d++)
            {
                commands.Add(new QueuedCommand(new Mapd(new DeviceId((uint)(100 + d)), 12, 0, true), null, AllocateItt: true));
            }

            for (var n = 0; n < LpisPerVm; n++)
            {
                commands.Add(new QueuedCommand(new Mapti(new DeviceId((uint)(100 + n / 8192)), new EventId((uint)(n % 8192)),
                    new IntId(8192 + (uint)n), new CollectionId(0)), null));
            }

            foreach (var chunk in commands.Chunk(Batch))
            {
                events += Apply(host, new ProcessItsCommands(vmId, chunk));
            }
        }

        var lpis = host.Vms.Sum(v => v.Lpis.Count);
        for (var d = 0; d < Devices; d++)
        {
            var vm = host.Vms[d];
            events += Apply(host, new AssignVfioDevice($"dev{d}", $"0000:{d + 1:x2}:00.0", VectorsPerDevice, vm.Id, 100));
            for (var v = 0; v < VectorsPerDevice; v++)
            {
                events += Apply(host, new ProgramMsixVector($"dev{d}", v, vm.Its.TranslaterAddress, (uint)v, false));
            }
        }

        clock.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var forwarded = host.HostIts.Vlpis.Count();
        Console.WriteLine($"VMs {host.Vms.Count}, vCPUs {host.Vms.Sum(v => v.Vcpus.Count)}, vPEs {host.HostIts.Vpes.Count()}, " +
            $"VFIO vectors {host.VfioDevices.Sum(d => d.Vectors.Count)} ({forwarded} forwarded), software-mapped LPIs {lpis}");
        Console.WriteLine($"set-up: {clock.Elapsed.TotalSeconds:F2} s through Host.Apply, {events} events published");
        Console.WriteLine($"managed heap held by the host: {(after - before) / (1024.0 * 1024):F0} MiB; process working set {Environment.WorkingSet / (1024.0 * 1024):F0} MiB");
        GC.KeepAlive(host);
    }

    private static int Apply(Host host, HostInput input)
    {
        var applied = host.Apply(input);
        if (!applied.Accepted)
        {
            throw new InvalidOperationException($"{input.GetType().Name} was refused: {applied.Rejection!.Detail}");
        }

        return applied.Events.Count;
    }
}
