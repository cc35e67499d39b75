using GicService.Domain.Events;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Vfio;

namespace GicService.Domain.Hosts;

// VFIO endpoints, MSI-X programming and the irq-bypass forwarding callbacks (spec/vgic-v4.md §1.2, §2).
public sealed partial class Host
{
    public const int MaxVectorsPerDevice = 2048; // the PCI MSI-X limit

    // In assignment order (what snapshots and listings show); _devicesById holds the same devices by id, for the
    // per-trigger lookup. Only AddDevice and RemoveDevicesOf change them; CheckInvariants compares the two.
    private readonly List<VfioDevice> _devices = new();
    private readonly Dictionary<string, VfioDevice> _devicesById = new(StringComparer.Ordinal);
    private int _nextDeviceNumber = 1;

    public IReadOnlyList<VfioDevice> VfioDevices => _devices;

    public VfioDevice? FindVfioDevice(string id) => id is not null && _devicesById.TryGetValue(id, out var device) ? device : null;

    private void AddDevice(VfioDevice device)
    {
        _devicesById.Add(device.Id, device);
        _devices.Add(device);
    }

    private void RemoveDevicesOf(string vmId)
    {
        foreach (var device in _devices)
        {
            if (device.VmId == vmId)
            {
                _devicesById.Remove(device.Id);
            }
        }

        _devices.RemoveAll(d => d.VmId == vmId);
    }

    private MsixVector? VectorOf(uint hostIrq)
    {
        foreach (var device in _devices)
        {
            foreach (var vector in device.Vectors)
            {
                if (vector.Host.Irq == hostIrq)
                {
                    return vector;
                }
            }
        }

        return null;
    }

    private object AssignVfioDevice(AssignVfioDevice input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        if (VfioDevice.RequesterId(input.Bdf) is not { } rid)
        {
            return new Rejection(RejectionKind.Unprocessable, $"'{input.Bdf}' is not a PCI address dddd:bb:dd.f.");
        }

        if (Configuration.HostDevBits < 32 && rid >= 1u << Configuration.HostDevBits)
        {
            return new Rejection(RejectionKind.Unprocessable, $"Requester ID 0x{rid:x} does not fit the host ITS's {Configuration.HostDevBits} DeviceID bits.");
        }

        if (input.Vectors is < 1 or > MaxVectorsPerDevice)
        {
            return new Rejection(RejectionKind.Unprocessable, $"vectors must be between 1 and {MaxVectorsPerDevice}.");
        }

        var limits = Configuration.EffectiveLimits;
        if (input.Vectors > limits.VectorsPerDevice)
        {
            return Rejection.LimitExceeded(HostLimits.Names.VectorsPerDevice,
                $"A device on this host may have at most {limits.VectorsPerDevice} MSI-X vectors (asked for {input.Vectors}).");
        }

        if (_devices.Count >= limits.VfioDevices)
        {
            return Rejection.LimitExceeded(HostLimits.Names.VfioDevices, $"This host already has {_devices.Count} VFIO devices, its limit.");
        }

        if (_devices.Any(d => d.Bdf.Equals(input.Bdf, StringComparison.OrdinalIgnoreCase)))
        {
            return new Rejection(RejectionKind.Conflict, $"{input.Bdf} is already assigned.");
        }

        var id = input.Id;
        if (id is null)
        {
            do
            {
                id = $"dev{_nextDeviceNumber++}";
            }
            while (FindVfioDevice(id) is not null);
        }
        else if (FindVfioDevice(id) is not null)
        {
            return new Rejection(RejectionKind.Conflict, $"VFIO device '{id}' already exists.");
        }

        // The host driver maps the function on the host ITS: MAPD, then one MAPTI per vector to its host LPI.
        var eventBits = Math.Max(1, (int)Math.Ceiling(Math.Log2(input.Vectors)));
        _hostIts.SendPhysical(vm.Id, new Mapd(new DeviceId(rid), (byte)(eventBits - 1), 0x0000_00C0_0000_0000 + ((ulong)rid << 16), true), 0);
        var vectors = new List<MsixVector>(input.Vectors);
        for (var v = 0; v < input.Vectors; v++)
        {
            var irq = _hostIts.CreateHostInterrupt(rid, (uint)v);
            _hostIts.SendPhysical(vm.Id, GicService.Domain.HostIts.HostGicV4.HostMapti(irq), irq.Collection);
            vectors.Add(new MsixVector(v, irq));
        }

        AddDevice(new VfioDevice(id, input.Bdf, rid, vm.Id, input.GuestDeviceId, vectors));
        _events.Add(new VfioDeviceAssigned(vm.Id, id, input.Bdf, rid, input.Vectors));
        return id;
    }

    private object? ResolveVector(string deviceId, int vectorIndex, out VfioDevice device, out MsixVector vector)
    {
        device = FindVfioDevice(deviceId)!;
        vector = null!;
        if (device is null)
        {
            return new Rejection(RejectionKind.NotFound, $"VFIO device '{deviceId}' does not exist on this host.");
        }

        if (vectorIndex < 0 || vectorIndex >= device.Vectors.Count)
        {
            return new Rejection(RejectionKind.NotFound, $"VFIO device '{deviceId}' has no vector {vectorIndex} (it has {device.Vectors.Count}).");
        }

        vector = device.Vectors[vectorIndex];
        return null;
    }

    private object ProgramMsixVector(ProgramMsixVector input)
    {
        if (ResolveVector(input.DeviceId, input.Vector, out var device, out var vector) is { } refused)
        {
            return refused;
        }

        var vm = FindVm(device.VmId)!;

        // VFIO re-arms the vector: the producer disconnects from the irqfd it was paired with (unset forwarding on that
        // irqfd's VM), then reconnects unless masked.
        if (vector.Paired)
        {
            _bridge.UnsetForwarding(FindVm(vector.ConnectedVm!) ?? vm, vector.Host.Irq, "the guest reprogrammed the vector");
            vector.Paired = false;
        }

        vector.Route = null;
        vector.ConnectedVm = null;

        _bridge.ForgetHints(vector.Host.Irq);
        vector.Address = input.Address;
        vector.Data = input.Data;
        vector.Masked = input.Masked;
        _events.Add(new MsixVectorProgrammed(vm.Id, device.Id, vector.Index, vector.Host.Irq, input.Address, input.Data, input.Masked));
        if (input.Masked)
        {
            return Done.Value;
        }

        vector.Route = new MsiRoute(input.Address, input.Data, device.GuestDeviceId);
        vector.ConnectedVm = vm.Id;
        vector.Paired = true;
        _bridge.SetForwarding(vm, vector.Host, vector.Route);
        if (vector.PbaPending)
        {
            // Unmasking delivers what the PBA held, through the new route.
            vector.PbaPending = false;
            if (vector.Host.Forwarded && _hostIts.FindVlpi(vector.Host.HostDeviceId, vector.Host.EventId) is { } map)
            {
                _bridge.MakeVlpiPending(map, "held in the PBA while masked");
            }
            else
            {
                _bridge.InjectThroughIrqfd(vm.Id, vector.Route);
            }
        }

        return Done.Value;
    }

    private object TriggerMsixVector(TriggerMsixVector input)
    {
        if (ResolveVector(input.DeviceId, input.Vector, out var device, out var vector) is { } refused)
        {
            return refused;
        }

        return _bridge.DeviceMsi(device, vector);
    }

    private object SetForwarding(SetForwarding input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        if (!_hostIts.HostIrqs.TryGetValue(input.HostIrq, out var irq) || VectorOf(input.HostIrq) is not { } vector)
        {
            return new Rejection(RejectionKind.NotFound, $"Host IRQ {input.HostIrq} is not a VFIO vector of this host.");
        }

        if (vector.Paired)
        {
            // The irq-bypass manager pairs one producer with one consumer (-EBUSY for a second).
            return new Rejection(RejectionKind.Conflict, $"Host IRQ {input.HostIrq} is already connected to an irqfd of VM '{vector.ConnectedVm}'; remove that forwarding first.", Errno.EBUSY);
        }

        vector.Route = input.Route;
        vector.ConnectedVm = vm.Id;
        vector.Paired = true;
        return _bridge.SetForwarding(vm, irq, input.Route);
    }

    private object UnsetForwarding(UnsetForwarding input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        if (VectorOf(input.HostIrq) is not { Paired: true } vector || vector.ConnectedVm != vm.Id)
        {
            return new Rejection(RejectionKind.NotFound, $"Host IRQ {input.HostIrq} is not connected to VM '{vm.Id}'.");
        }

        // del_producer: the pairing ends; the irqfd stays, so the vector keeps working through software injection.
        vector.Paired = false;
        if (!_bridge.UnsetForwarding(vm, input.HostIrq, "unset_forwarding"))
        {
            _events.Add(new ForwardingUnset(vm.Id, input.HostIrq, null, "unset_forwarding: nothing was forwarded"));
        }

        return Done.Value;
    }
}
