using GicService.Domain.Bitfields;

namespace GicService.Domain.Its;

// KVM_DEV_ARM_ITS_SAVE_TABLES and RESTORE_TABLES in ABI revision 0 (spec/its.md §5.2, §5.3).
// Both are planned first and applied only when the plan holds, so a failure writes and creates nothing.
public sealed partial class VirtualIts
{
    /// <summary>
    /// Plans the writes of the device, ITT and collection tables to guest RAM. <paramref name="refuseForwarded"/>
    /// makes a forwarded LPI fail the save with -EACCES, as on a GICv4.0 host (vgic_its_save_itt).
    /// </summary>
    internal Errno? PlanSaveTables(Func<Lpis.Lpi, bool> refuseForwarded, List<(ulong Address, ulong Value)> writes)
    {
        if (DeviceBaser.Valid)
        {
            var savable = new List<(ItsDevice Device, ulong DteAddress)>();
            foreach (var device in _devices.Values)
            {
                // Mainline skips a device whose DTE slot fails check_id (vgic_its_save_device_tables).
                if (CheckId(DeviceBaser, device.Id.Value, out var dteAddress))
                {
                    savable.Add((device, dteAddress));
                }
            }

            for (var d = 0; d < savable.Count; d++)
            {
                var (device, dteAddress) = savable[d];
                var ites = device.Ites.Values.ToList();
                for (var i = 0; i < ites.Count; i++)
                {
                    var ite = ites[i];
                    if (refuseForwarded(ite.Lpi))
                    {
                        return Errno.EACCES;
                    }

                    var iteAddress = device.IttAddress + (ulong)ite.EventId.Value * GitsTyper.IteSize;
                    if (ite.Collection is null)
                    {
                        writes.Add((iteAddress, 0)); // orphaned by MAPC V=0 or a BASER1 change
                        continue;
                    }

                    var nextIte = ites.Skip(i + 1).FirstOrDefault(n => n.Collection is not null);
                    var next = nextIte is null ? 0 : nextIte.EventId.Value - ite.EventId.Value;
                    writes.Add((iteAddress, ItsTableEntries.EncodeIte(next, ite.Lpi.IntId.Value, ite.Collection.Id.Value)));
                }

                var nextDevice = d + 1 < savable.Count ? savable[d + 1].Device.Id.Value - device.Id.Value : 0;
                writes.Add((dteAddress, ItsTableEntries.EncodeDte(nextDevice, device.IttAddress, device.EventIdBits)));
            }
        }

        if (CollectionBaser.Valid)
        {
            var address = CollectionBaser.Address;
            foreach (var collection in _collections.Values)
            {
                writes.Add((address, ItsTableEntries.EncodeCte(collection.Target, collection.Id.Value)));
                address += GitsBaser.EntryBytes;
            }

            if ((ulong)_collections.Count * GitsBaser.EntryBytes < CollectionBaser.TableBytes)
            {
                writes.Add((address, 0)); // terminator
            }
        }

        return writes.Any(w => !_memory.Contains(w.Address, 8)) ? Errno.EFAULT : null;
    }

    private sealed record PlannedIte(uint EventId, uint IntId, ushort CollectionId);

    private sealed record PlannedDevice(uint Id, ulong IttAddress, int EventIdBits, List<PlannedIte> Ites);

    /// <summary>Rebuilds collections, devices and ITEs from the tables in guest RAM (collections first).</summary>
    internal (Errno? Errno, string? Reason) RestoreTables()
    {
        var collections = new Dictionary<ushort, uint?>();
        var devices = new List<PlannedDevice>();
        var failure = PlanCollections(collections) ?? PlanDevices(collections, devices);
        if (failure is { } refused)
        {
            return refused;
        }

        foreach (var (icid, target) in collections)
        {
            _collections.Add(icid, new ItsCollection(new CollectionId(icid), target));
        }

        foreach (var planned in devices)
        {
            var device = new ItsDevice(new DeviceId(planned.Id), planned.EventIdBits, planned.IttAddress);
            _devices.Add(planned.Id, device);
            foreach (var ite in planned.Ites)
            {
                var collection = _collections[ite.CollectionId];
                var target = collection.Target is { } t && _redistributor(t) is not null ? t : (uint?)null;
                if (_lpis.AddReference(new IntId(ite.IntId), target, out var lpi) is not null)
                {
                    throw new System.Diagnostics.UnreachableException("The restore plan checked every table read.");
                }

                device.Add(new Ite(new EventId(ite.EventId), collection, lpi!));
            }
        }

        return (null, null);
    }

    private (Errno, string)? PlanCollections(Dictionary<ushort, uint?> planned)
    {
        if (!CollectionBaser.Valid)
        {
            return null;
        }

        for (ulong offset = 0; offset < CollectionBaser.TableBytes; offset += GitsBaser.EntryBytes)
        {
            if (!_memory.TryReadUInt64(CollectionBaser.Address + offset, out var raw))
            {
                return (Errno.EFAULT, "the collection table is outside guest RAM");
            }

            var (valid, target, icid) = ItsTableEntries.DecodeCte(raw);
            if (!valid)
            {
                break;
            }

            if (target != ItsTableEntries.CollectionNotMapped && _redistributor(target) is null)
            {
                return (Errno.EINVAL, $"CTE for ICID {icid} targets vCPU {target}, which does not exist");
            }

            if (_collections.ContainsKey(icid) || planned.ContainsKey(icid))
            {
                return (Errno.EEXIST, $"collection {icid} exists already");
            }

            if (!CheckId(CollectionBaser, icid, out _))
            {
                return (Errno.EINVAL, $"ICID {icid} is out of the collection table's range");
            }

            planned.Add(icid, target == ItsTableEntries.CollectionNotMapped ? null : target);
        }

        return null;
    }

    private (Errno, string)? PlanDevices(Dictionary<ushort, uint?> collections, List<PlannedDevice> devices)
    {
        if (!DeviceBaser.Valid)
        {
            return null;
        }

        if (!DeviceBaser.Indirect)
        {
            return ScanDeviceTable(DeviceBaser.Address, DeviceBaser.TableBytes, 0, collections, devices).Failure;
        }

        const ulong entriesPerPage = GitsBaser.PageSize / GitsBaser.EntryBytes;
        for (ulong l1 = 0; l1 < DeviceBaser.TableBytes / 8; l1++)
        {
            if (!_memory.TryReadUInt64(DeviceBaser.Address + l1 * 8, out var l1Entry))
            {
                return (Errno.EFAULT, "the level-1 device table is outside guest RAM");
            }

            if (!Bits.IsSet(l1Entry, 63))
            {
                continue;
            }

            var scan = ScanDeviceTable(l1Entry & Bits.Range(51, 16), GitsBaser.PageSize, (uint)(l1 * entriesPerPage), collections, devices);
            if (scan.Failure is not null || scan.Stopped)
            {
                return scan.Failure;
            }
        }

        return null;
    }

    /// <summary>KVM's scan_its_table over DTEs: an invalid entry advances by one, a valid one by its next offset, and next = 0 stops.</summary>
    private ((Errno, string)? Failure, bool Stopped) ScanDeviceTable(
        ulong address, ulong bytes, uint firstId, Dictionary<ushort, uint?> collections, List<PlannedDevice> devices)
    {
        var id = firstId;
        ulong offset = 0;
        while (offset < bytes)
        {
            if (!_memory.TryReadUInt64(address + offset, out var raw))
            {
                return ((Errno.EFAULT, "the device table is outside guest RAM"), true);
            }

            var (valid, next, ittAddress, eventIdBits) = ItsTableEntries.DecodeDte(raw);
            uint step = 1;
            if (valid)
            {
                if (eventIdBits > GitsTyper.EventIdBits)
                {
                    return ((Errno.EINVAL, $"DTE of device {id} has Size {eventIdBits - 1} > 15"), true);
                }

                if (!CheckId(DeviceBaser, id, out _))
                {
                    return ((Errno.EINVAL, $"device {id} is out of the device table's range"), true);
                }

                if (_devices.ContainsKey(id))
                {
                    return ((Errno.EEXIST, $"device {id} exists already"), true);
                }

                var device = new PlannedDevice(id, ittAddress, eventIdBits, []);
                if (PlanItt(device, collections) is { } failure)
                {
                    return (failure, true);
                }

                devices.Add(device);
                if (next == 0)
                {
                    return (null, true);
                }

                step = next;
            }

            offset += step * GitsBaser.EntryBytes;
            id += step;
        }

        return (null, false);
    }

    private (Errno, string)? PlanItt(PlannedDevice device, Dictionary<ushort, uint?> collections)
    {
        var events = 1UL << device.EventIdBits;
        ulong eventId = 0;
        while (eventId < events)
        {
            if (!_memory.TryReadUInt64(device.IttAddress + eventId * GitsTyper.IteSize, out var raw))
            {
                return (Errno.EFAULT, $"the ITT of device {device.Id} is outside guest RAM");
            }

            var (next, intId, icid) = ItsTableEntries.DecodeIte(raw);
            if (intId == 0)
            {
                eventId++;
                continue;
            }

            if (intId < IntId.FirstLpi)
            {
                return (Errno.EINVAL, $"ITE {device.Id}/{eventId} holds INTID {intId} < 8192");
            }

            if (eventId + next >= events)
            {
                return (Errno.EINVAL, $"ITE {device.Id}/{eventId} points past the ITT");
            }

            if (!collections.ContainsKey(icid) && !_collections.ContainsKey(icid))
            {
                return (Errno.EINVAL, $"ITE {device.Id}/{eventId} names collection {icid}, which was not restored");
            }

            // vgic_add_lpi reads the property byte and the target's pending bit; check both now so applying cannot fail.
            var target = collections.TryGetValue(icid, out var planned) ? planned : _collections[icid].Target;
            var pendingTable = target is { } t ? _redistributor(t)?.PendingTableAddress : null;
            if (_lpis.Find(intId) is null
                && (!_memory.Contains(_lpis.PropertyTableAddress + intId - IntId.FirstLpi)
                    || (pendingTable is { } pendBase && !_memory.Contains(pendBase + intId / 8))))
            {
                return (Errno.EFAULT, $"the property or pending table entry of LPI {intId} is outside guest RAM");
            }

            device.Ites.Add(new PlannedIte((uint)eventId, intId, icid));
            if (next == 0)
            {
                break;
            }

            eventId += next;
        }

        return null;
    }
}
