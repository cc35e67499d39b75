namespace GicService.Domain.Its;

/// <summary>
/// The architected command errors KVM's virtual ITS produces (spec/its.md §3.1); each value is the
/// encoding 0x01_CC_RR (CC = command opcode, RR = reason). MAPI reuses the MAPTI codes.
/// </summary>
public enum ItsError
{
    MoviUnmappedInterrupt = 0x010107,
    MoviUnmappedCollection = 0x010109,
    IntUnmappedInterrupt = 0x010307,
    ClearUnmappedInterrupt = 0x010507,
    MapdDeviceOor = 0x010801,
    MapdIttSizeOor = 0x010802,
    MapcProcnumOor = 0x010902,
    MapcCollectionOor = 0x010903,
    MaptiUnmappedDevice = 0x010a04,
    MaptiIdOor = 0x010a05,
    MaptiPhysicalIdOor = 0x010a06,
    InvUnmappedInterrupt = 0x010c07,
    InvallUnmappedCollection = 0x010d09,
    MovallProcnumOor = 0x010e01,
    DiscardUnmappedInterrupt = 0x010f07,
}

/// <summary>The spec names of <see cref="ItsError"/> (KVM's E_ITS_* without the prefix), in one table.</summary>
public static class ItsErrorNames
{
    private static readonly Dictionary<ItsError, string> Names = new()
    {
        [ItsError.MoviUnmappedInterrupt] = "MOVI_UNMAPPED_INTERRUPT",
        [ItsError.MoviUnmappedCollection] = "MOVI_UNMAPPED_COLLECTION",
        [ItsError.IntUnmappedInterrupt] = "INT_UNMAPPED_INTERRUPT",
        [ItsError.ClearUnmappedInterrupt] = "CLEAR_UNMAPPED_INTERRUPT",
        [ItsError.MapdDeviceOor] = "MAPD_DEVICE_OOR",
        [ItsError.MapdIttSizeOor] = "MAPD_ITTSIZE_OOR",
        [ItsError.MapcProcnumOor] = "MAPC_PROCNUM_OOR",
        [ItsError.MapcCollectionOor] = "MAPC_COLLECTION_OOR",
        [ItsError.MaptiUnmappedDevice] = "MAPTI_UNMAPPED_DEVICE",
        [ItsError.MaptiIdOor] = "MAPTI_ID_OOR",
        [ItsError.MaptiPhysicalIdOor] = "MAPTI_PHYSICALID_OOR",
        [ItsError.InvUnmappedInterrupt] = "INV_UNMAPPED_INTERRUPT",
        [ItsError.InvallUnmappedCollection] = "INVALL_UNMAPPED_COLLECTION",
        [ItsError.MovallProcnumOor] = "MOVALL_PROCNUM_OOR",
        [ItsError.DiscardUnmappedInterrupt] = "DISCARD_UNMAPPED_INTERRUPT",
    };

    public static string Name(this ItsError error) => Names[error];

    public static string Code(this ItsError error) => $"0x{(int)error:x6}";

    public static IReadOnlyCollection<ItsError> All => Names.Keys;
}
