namespace GicService.Domain.Its;

/// <summary>
/// An interrupt collection (struct its_collection). <see cref="Target"/> is the vcpu_id of its
/// redistributor, or null for a collection MAPTI created implicitly before any MAPC (KVM's COLLECTION_NOT_MAPPED).
/// </summary>
public sealed class ItsCollection
{
    internal ItsCollection(CollectionId id, uint? target)
    {
        Id = id;
        Target = target;
    }

    public CollectionId Id { get; }

    public uint? Target { get; internal set; }

    public bool IsMapped => Target is not null;
}
