using GicService.Domain.Snapshots;

namespace GicService.Domain.Its;

// Export and rebuild of the ITS state (docs/snapshots.md). ITEs and cache entries refer to LPIs and
// collections by id; on rebuild they are linked to the VM's own LPI and collection objects again.
public sealed partial class VirtualIts
{
    internal ItsSnapshot TakeSnapshot()
    {
        var devices = _devices.Values.Select(d => new ItsDeviceSnapshot(d.Id.Value, d.EventIdBits, d.IttAddress,
            d.Ites.Values.Select(ite =>
            {
                if (ite.Collection is { } c && (!_collections.TryGetValue(c.Id.Value, out var held) || held != c))
                {
                    throw new InvalidOperationException($"{_vmId}: ITE {d.Id}/{ite.EventId} points at a collection the ITS no longer has.");
                }

                return new IteSnapshot(ite.EventId.Value, ite.Collection?.Id.Value, ite.Lpi.IntId.Value);
            }).ToList())).ToList();
        var collections = _collections.Values.Select(c => new ItsCollectionSnapshot(c.Id.Value, c.Target)).ToList();
        var cache = Cache.Entries
            .Select(e => _lpis.Find(e.Lpi.IntId.Value) == e.Lpi
                ? new TranslationCacheEntrySnapshot(e.DeviceId, e.EventId, e.Lpi.IntId.Value)
                : throw new InvalidOperationException($"{_vmId}: cache entry {e.DeviceId}/{e.EventId} holds an LPI the VM no longer has."))
            .OrderBy(e => e.DeviceId).ThenBy(e => e.EventId)
            .ToList();
        return new ItsSnapshot(Enabled, AbiRevision, Cbaser.Raw, Cwriter, Creadr, DeviceBaser.Raw, CollectionBaser.Raw, devices, collections, cache);
    }

    /// <summary>Puts back what a snapshot held; the ITS must be new and its VM's LPIs already restored.</summary>
    internal void Restore(ItsSnapshot snapshot)
    {
        Enabled = snapshot.Enabled;
        AbiRevision = snapshot.AbiRevision;
        Cbaser = new GitsCbaser(snapshot.Cbaser);
        Cwriter = snapshot.Cwriter;
        Creadr = snapshot.Creadr;
        DeviceBaser = new GitsBaser(snapshot.DeviceBaser);
        CollectionBaser = new GitsBaser(snapshot.CollectionBaser);
        foreach (var collection in snapshot.Collections)
        {
            _collections.Add(collection.CollectionId, new ItsCollection(new CollectionId(collection.CollectionId), collection.Target));
        }

        foreach (var device in snapshot.Devices)
        {
            var restored = new ItsDevice(new DeviceId(device.DeviceId), device.EventIdBits, device.IttAddress);
            foreach (var ite in device.Ites)
            {
                var collection = ite.CollectionId is { } id
                    ? _collections.GetValueOrDefault(id) ?? throw new ArgumentException($"{_vmId}: ITE {device.DeviceId}/{ite.EventId} names collection {id}, which the snapshot does not hold.", nameof(snapshot))
                    : null;
                restored.Add(new Ite(new EventId(ite.EventId), collection, LpiOf(ite.IntId)));
            }

            _devices.Add(device.DeviceId, restored);
        }

        foreach (var entry in snapshot.Cache)
        {
            Cache.Insert(entry.DeviceId, entry.EventId, LpiOf(entry.IntId));
        }
    }

    private Lpis.Lpi LpiOf(uint intId) =>
        _lpis.Find(intId) ?? throw new ArgumentException($"{_vmId}: the snapshot refers to LPI {intId}, which it does not hold.");
}
