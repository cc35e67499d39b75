namespace GicService.Domain.Snapshots;

/// <summary>A virtual ITS: registers (raw), the device table with ITEs, the collections and the translation cache.</summary>
public sealed record ItsSnapshot(
    bool Enabled,
    int AbiRevision,
    ulong Cbaser,
    ulong Cwriter,
    ulong Creadr,
    ulong DeviceBaser,
    ulong CollectionBaser,
    IReadOnlyList<ItsDeviceSnapshot> Devices,
    IReadOnlyList<ItsCollectionSnapshot> Collections,
    IReadOnlyList<TranslationCacheEntrySnapshot> Cache);

public sealed record ItsDeviceSnapshot(uint DeviceId, int EventIdBits, ulong IttAddress, IReadOnlyList<IteSnapshot> Ites);

/// <summary>An ITE; <paramref name="CollectionId"/> is null for an orphaned ITE (its collection was removed).</summary>
public sealed record IteSnapshot(uint EventId, ushort? CollectionId, uint IntId);

/// <summary>A collection; <paramref name="Target"/> is null for one MAPTI created before any MAPC.</summary>
public sealed record ItsCollectionSnapshot(ushort CollectionId, uint? Target);

/// <summary>A cached translation (DeviceID, EventID) -> LPI.</summary>
public sealed record TranslationCacheEntrySnapshot(uint DeviceId, uint EventId, uint IntId);
