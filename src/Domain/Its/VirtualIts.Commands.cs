using GicService.Domain.Events;
using GicService.Domain.Its.Commands;
using GicService.Domain.Metrics;

namespace GicService.Domain.Its;

// The command handlers of KVM's vgic-its.c (vgic_its_cmd_handle_*), checks in KVM's order
// (spec/its.md §3.3). The first failing check ends the command with no state change.
public sealed partial class VirtualIts
{
    private CommandResult Handle(ItsCommand command) => command switch
    {
        Mapd c => HandleMapd(c),
        Mapc c => HandleMapc(c),
        Mapti c => HandleMapti(c.DeviceId.Value, c.EventId.Value, c.IntId.Value, c.CollectionId.Value),
        Mapi c => HandleMapti(c.DeviceId.Value, c.EventId.Value, c.EventId.Value, c.CollectionId.Value),
        Movi c => HandleMovi(c),
        Discard c => HandleDiscard(c),
        Clear c => HandleClear(c),
        Int c => HandleInt(c),
        Inv c => HandleInv(c),
        Invall c => HandleInvall(c),
        Movall c => HandleMovall(c),
        Sync => CommandResult.Ok, // commands complete synchronously
        _ => CommandResult.Ignored, // GICv4 V-commands and unknown opcodes: TYPER.Virtual = 0
    };

    private CommandResult HandleMapd(Mapd c)
    {
        var deviceId = c.DeviceId.Value;
        var eventIdBits = c.Size + 1;
        if (!CheckId(DeviceBaser, deviceId, out var dteAddress))
        {
            return ItsError.MapdDeviceOor;
        }

        if (c.Valid && eventIdBits > GitsTyper.EventIdBits)
        {
            return ItsError.MapdIttSizeOor;
        }

        // Re-mapping a mapped device is a full unmap then map, even with the same ITT (spec/its.md §7.7).
        if (_devices.TryGetValue(deviceId, out var existing))
        {
            FreeDevice(existing, "MAPD unmapped the device");
        }

        if (!c.Valid)
        {
            // Current kernels clear the DTE so a later restore cannot resurrect the device.
            return _memory.TryWriteUInt64(dteAddress, 0) ? CommandResult.Ok : CommandResult.Fail(Errno.EFAULT, "DTE write failed");
        }

        _devices.Add(deviceId, new ItsDevice(c.DeviceId, eventIdBits, c.IttAddress));
        return CommandResult.Ok;
    }

    private CommandResult HandleMapc(Mapc c)
    {
        var icid = c.CollectionId.Value;
        var target = (uint)(c.RdBase & 0xFFFF_FFFF); // KVM reads RDbase[47:16] only
        if (!c.Valid)
        {
            FreeCollection(icid);
            InvalidateCache();
            return CommandResult.Ok;
        }

        if (_redistributor(target) is null)
        {
            return ItsError.MapcProcnumOor;
        }

        if (!_collections.TryGetValue(icid, out var collection))
        {
            if (!CheckId(CollectionBaser, icid, out _))
            {
                return ItsError.MapcCollectionOor;
            }

            _collections.Add(icid, new ItsCollection(c.CollectionId, target));
            return CommandResult.Ok;
        }

        // Retarget: the LPIs of this ITS's ITEs in the collection follow, pending state with them.
        collection.Target = target;
        foreach (var ite in AllItes)
        {
            if (ite.Collection == collection)
            {
                _lpis.Retarget(ite.Lpi, target);
            }
        }

        return CommandResult.Ok;
    }

    private CommandResult HandleMapti(uint deviceId, uint eventId, uint intId, ushort icid)
    {
        if (!_devices.TryGetValue(deviceId, out var device))
        {
            return ItsError.MaptiUnmappedDevice;
        }

        if (!CheckEventId(device, eventId))
        {
            return ItsError.MaptiIdOor;
        }

        if (intId < IntId.FirstLpi || intId >= _lpis.LpiLimit)
        {
            return ItsError.MaptiPhysicalIdOor;
        }

        // An existing translation is kept unchanged and the command succeeds (spec/its.md §7.6).
        if (device.Ites.ContainsKey(eventId))
        {
            return CommandResult.Ok;
        }

        var newCollection = false;
        if (!_collections.TryGetValue(icid, out var collection))
        {
            if (!CheckId(CollectionBaser, icid, out _))
            {
                return ItsError.MapcCollectionOor;
            }

            collection = new ItsCollection(new CollectionId(icid), target: null);
            newCollection = true;
        }

        var target = collection.Target is { } t && _redistributor(t) is not null ? t : (uint?)null;
        var errno = _lpis.AddReference(new IntId(intId), target, out var lpi);
        if (errno is { } failure)
        {
            return CommandResult.Fail(failure, "reading the LPI's property or pending table failed");
        }

        if (newCollection)
        {
            _collections.Add(icid, collection);
        }

        device.Add(new Ite(new EventId(eventId), collection, lpi!));
        _lpis.Hooks?.Mapped(deviceId, eventId);
        return CommandResult.Ok;
    }

    private CommandResult HandleMovi(Movi c)
    {
        var ite = FindIte(c.DeviceId.Value, c.EventId.Value);
        if (ite is null)
        {
            return ItsError.MoviUnmappedInterrupt;
        }

        if (ite.Collection is not { IsMapped: true })
        {
            return ItsError.MoviUnmappedCollection;
        }

        if (!_collections.TryGetValue(c.CollectionId.Value, out var collection) || !collection.IsMapped)
        {
            return ItsError.MoviUnmappedCollection;
        }

        ite.Collection = collection;
        InvalidateCache();
        _lpis.Retarget(ite.Lpi, _redistributor(collection.Target!.Value) is not null ? collection.Target : null);
        return CommandResult.Ok;
    }

    private CommandResult HandleDiscard(Discard c)
    {
        var ite = FindIte(c.DeviceId.Value, c.EventId.Value);
        if (ite is null || ite.Collection is not { IsMapped: true })
        {
            return ItsError.DiscardUnmappedInterrupt;
        }

        var device = _devices[c.DeviceId.Value];
        InvalidateCache();
        FreeIte(device, ite, "DISCARD removed the translation");

        // Current kernels clear the ITE in guest memory too.
        var iteAddress = device.IttAddress + (ulong)c.EventId.Value * GitsTyper.IteSize;
        return _memory.TryWriteUInt64(iteAddress, 0) ? CommandResult.Ok : CommandResult.Fail(Errno.EFAULT, "ITE write failed");
    }

    private CommandResult HandleClear(Clear c)
    {
        var ite = FindIte(c.DeviceId.Value, c.EventId.Value);
        if (ite is null)
        {
            return ItsError.ClearUnmappedInterrupt;
        }

        _lpis.ClearPending(ite.Lpi, "CLEAR");
        return CommandResult.Ok;
    }

    private CommandResult HandleInt(Int c)
    {
        var result = Trigger(c.DeviceId.Value, c.EventId.Value, "INT");
        DomainMetrics.Msi(DomainMetrics.MsiPath.Int, result);
        if (result.Delivered)
        {
            return CommandResult.Ok;
        }

        _events.Add(new MsiDropped(_vmId, c.DeviceId.Value, c.EventId.Value, result.Reason ?? "dropped", result.ItsError, result.Errno));
        return result.ItsError is { } error ? error : CommandResult.Fail(result.Errno!.Value, result.Reason!);
    }

    private CommandResult HandleInv(Inv c)
    {
        var ite = FindIte(c.DeviceId.Value, c.EventId.Value);
        if (ite is null)
        {
            return ItsError.InvUnmappedInterrupt;
        }

        return _lpis.UpdateConfig(ite.Lpi) is { } errno
            ? CommandResult.Fail(errno, "reading the LPI property table failed")
            : CommandResult.Ok;
    }

    private CommandResult HandleInvall(Invall c)
    {
        if (!_collections.TryGetValue(c.CollectionId.Value, out var collection) || collection.Target is not { } target)
        {
            return ItsError.InvallUnmappedCollection;
        }

        _lpis.InvalidateAll(target);
        return CommandResult.Ok;
    }

    private CommandResult HandleMovall(Movall c)
    {
        var vcpu1 = (uint)(c.RdBase1 & 0xFFFF_FFFF);
        var vcpu2 = (uint)(c.RdBase2 & 0xFFFF_FFFF);
        if (_redistributor(vcpu1) is null || _redistributor(vcpu2) is null)
        {
            return ItsError.MovallProcnumOor;
        }

        if (vcpu1 == vcpu2)
        {
            return CommandResult.Ok;
        }

        // Mainline: every LPI of the VM moves to vCPU2, whatever its current target; collections are unchanged.
        foreach (var lpi in _lpis.Lpis)
        {
            _lpis.Retarget(lpi, vcpu2);
        }

        InvalidateCache();
        return CommandResult.Ok;
    }
}
