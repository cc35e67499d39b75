using BenchmarkDotNet.Attributes;
using GicService.Domain.Bridge;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Vfio;
using GicService.Domain.Vms;

namespace GicService.Bench;

/// <summary>
/// A VFIO device MSI through the whole host, per MSI: forwarded as a VLPI to a resident vPE, or on the
/// software path (host LPI, VFIO, irqfd, virtual ITS), beside the virtual ITS translation of a software
/// MSI (KVM_SIGNAL_MSI) in the same run. A GICv4.1 host, one VM with 4 vCPUs (vCPU 0 resident), one
/// device with <see cref="Vectors"/> vectors mapped to LPIs on vCPU 0: the first half forwarded, the
/// second half left on the software path by unset_forwarding. Nothing is acknowledged, so every MSI
/// after the first coalesces with the pending one (the same code runs).
/// </summary>
[MemoryDiagnoser]
public class DeviceMsiBenchmarks
{
    public const int Vectors = 1024;
    private const int Half = Vectors / 2;
    private const string VmId = "vm1";
    private const uint GuestDevice = 1;

    private Host _host = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _host = Host.Create(new HostConfiguration("h1", 4, GicVersion.V4_1), out _);
        Require(_host.Apply(new CreateVm(VmId, 4, 256, VmSetup.Ready)).Accepted, "CreateVm");
        Require(_host.Apply(new AssignVfioDevice("nic", "0000:01:00.0", Vectors, VmId, GuestDevice)).Accepted, "AssignVfioDevice");
        var commands = new List<QueuedCommand>
        {
            new(new Mapd(new DeviceId(GuestDevice), 15, 0x0800_0000, true), null),
            new(new Mapc(new CollectionId(0), 0, true), null),
        };
        commands.AddRange(Enumerable.Range(0, Vectors).Select(e =>
            new QueuedCommand(new Mapti(new DeviceId(GuestDevice), new EventId((uint)e), new IntId(8192 + (uint)e), new CollectionId(0)), null)));
        Require(_host.Apply(new ProcessItsCommands(VmId, commands)).Result is CommandsResult { Processed: true }, "mapping");
        Require(_host.Apply(new LoadVcpu(VmId, 0, 0)).Accepted, "load");

        var translater = _host.FindVm(VmId)!.Its.TranslaterAddress;
        var device = _host.FindVfioDevice("nic")!;
        for (var v = 0; v < Vectors; v++)
        {
            Require(_host.Apply(new ProgramMsixVector("nic", v, translater, (uint)v, false)).Accepted, $"program {v}");
            if (v >= Half)
            {
                Require(_host.Apply(new UnsetForwarding(VmId, device.Vectors[v].Host.Irq)).Accepted, $"unset {v}");
            }
        }

        Require(_host.Apply(new TriggerMsixVector("nic", 0)).Result is TriggerOutcome { Path: "vlpi", Outcome: "delivered" }, "VLPI path");
        Require(_host.Apply(new TriggerMsixVector("nic", Half)).Result is TriggerOutcome { Path: "software", Outcome: "pending" }, "software path");
    }

    [Benchmark(Baseline = true, Description = "SignalMsi (virtual ITS translation)")]
    public object? SoftwareMsiThroughTheVirtualIts() => _host.Apply(new SignalMsi(VmId, GuestDevice, (uint)(Half + (_next++ % Half)))).Result;

    [Benchmark(Description = "Device MSI -> VLPI delivered")]
    public object? DeviceMsiToVlpi() => _host.Apply(new TriggerMsixVector("nic", _next++ % Half)).Result;

    [Benchmark(Description = "Device MSI -> software LPI")]
    public object? DeviceMsiToSoftwareLpi() => _host.Apply(new TriggerMsixVector("nic", Half + (_next++ % Half))).Result;

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark set-up failed: {what}.");
        }
    }
}
