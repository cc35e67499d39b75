using GicService.Domain.Snapshots;

namespace GicService.Domain.Vms;

/// <summary>
/// Places ITTs in guest RAM for structured MAPD commands that name none, from the top of RAM down,
/// 256-byte aligned; a device keeps its ITT while it fits, so re-mapping it reuses the same memory.
/// </summary>
public sealed class IttAllocator
{
    private readonly Dictionary<uint, (ulong Address, ulong Bytes)> _byDevice = new();
    private readonly ulong _floor;
    private ulong _top;

    internal IttAllocator(ulong memoryBytes, ulong floor)
    {
        _top = memoryBytes;
        _floor = floor;
    }

    /// <summary>A copy of the allocator's state, to undo the allocations of a refused input.</summary>
    internal (ulong Top, Dictionary<uint, (ulong Address, ulong Bytes)> ByDevice) Mark() => (_top, new(_byDevice));

    internal void Reset((ulong Top, Dictionary<uint, (ulong Address, ulong Bytes)> ByDevice) mark)
    {
        _top = mark.Top;
        _byDevice.Clear();
        foreach (var (device, allocation) in mark.ByDevice)
        {
            _byDevice[device] = allocation;
        }
    }

    /// <summary>The ITT address for <paramref name="deviceId"/> with 2^<paramref name="eventIdBits"/> 8-byte entries, or null when RAM is exhausted.</summary>
    internal ulong? Allocate(uint deviceId, int eventIdBits)
    {
        var bytes = Math.Max(256UL, (1UL << eventIdBits) * 8);
        if (_byDevice.TryGetValue(deviceId, out var existing) && existing.Bytes >= bytes)
        {
            return existing.Address;
        }

        if (_top < bytes || _top - bytes < _floor)
        {
            return null;
        }

        _top = (_top - bytes) & ~0xFFUL;
        _byDevice[deviceId] = (_top, bytes);
        return _top;
    }

    internal IttAllocatorSnapshot TakeSnapshot() =>
        new(_top, _byDevice.OrderBy(a => a.Key).Select(a => new IttAllocationSnapshot(a.Key, a.Value.Address, a.Value.Bytes)).ToList());

    internal void Restore(IttAllocatorSnapshot snapshot)
    {
        _top = snapshot.Top;
        _byDevice.Clear();
        foreach (var allocation in snapshot.Allocations)
        {
            _byDevice.Add(allocation.DeviceId, (allocation.Address, allocation.Bytes));
        }
    }
}
