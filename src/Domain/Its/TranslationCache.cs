using GicService.Domain.Lpis;

namespace GicService.Domain.Its;

/// <summary>
/// KVM's per-ITS LPI translation cache (current kernels): key (DeviceID &lt;&lt; 16) | EventID, value the LPI
/// object, unbounded (spec/its.md §6). A hit skips the Enabled and EnableLPIs checks, so correctness
/// rests on the invalidations the ITS performs.
/// </summary>
public sealed class TranslationCache
{
    private readonly Dictionary<uint, Lpi> _entries = new();

    public int Count => _entries.Count;

    public static bool IsCacheable(uint deviceId, uint eventId) => deviceId <= 0xFFFF && eventId <= 0xFFFF;

    private static uint Key(uint deviceId, uint eventId) => (deviceId << 16) | eventId;

    public bool TryGet(uint deviceId, uint eventId, out Lpi lpi)
    {
        if (IsCacheable(deviceId, eventId) && _entries.TryGetValue(Key(deviceId, eventId), out var hit))
        {
            lpi = hit;
            return true;
        }

        lpi = null!;
        return false;
    }

    internal void Insert(uint deviceId, uint eventId, Lpi lpi)
    {
        if (IsCacheable(deviceId, eventId))
        {
            _entries[Key(deviceId, eventId)] = lpi;
        }
    }

    internal void Clear() => _entries.Clear();

    public IEnumerable<(uint DeviceId, uint EventId, Lpi Lpi)> Entries =>
        _entries.Select(e => (e.Key >> 16, e.Key & 0xFFFF, e.Value));
}
