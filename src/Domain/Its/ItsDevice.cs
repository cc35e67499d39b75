namespace GicService.Domain.Its;

/// <summary>A mapped device of a virtual ITS: its ITT and the ITEs KVM holds for it (struct its_device).</summary>
public sealed class ItsDevice
{
    private readonly SortedDictionary<uint, Ite> _ites = new();

    internal ItsDevice(DeviceId id, int eventIdBits, ulong ittAddress)
    {
        Id = id;
        EventIdBits = eventIdBits;
        IttAddress = ittAddress;
    }

    public DeviceId Id { get; }

    /// <summary>Number of EventID bits, MAPD Size + 1.</summary>
    public int EventIdBits { get; }

    public ulong IttAddress { get; }

    public IReadOnlyDictionary<uint, Ite> Ites => _ites;

    internal void Add(Ite ite) => _ites.Add(ite.EventId.Value, ite);

    internal bool Remove(uint eventId) => _ites.Remove(eventId);
}
