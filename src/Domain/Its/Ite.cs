using GicService.Domain.Lpis;

namespace GicService.Domain.Its;

/// <summary>
/// An interrupt translation entry (struct its_ite). <see cref="Collection"/> is null once MAPC V=0 or a
/// BASER1 change removed its collection: the ITE then survives, orphaned (spec/its.md §7.9).
/// </summary>
public sealed class Ite
{
    internal Ite(EventId eventId, ItsCollection? collection, Lpi lpi)
    {
        EventId = eventId;
        Collection = collection;
        Lpi = lpi;
    }

    public EventId EventId { get; }

    public ItsCollection? Collection { get; internal set; }

    public Lpi Lpi { get; }
}
