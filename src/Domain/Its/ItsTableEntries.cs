using GicService.Domain.Bitfields;

namespace GicService.Domain.Its;

/// <summary>
/// The 8-byte table entries of KVM's ITS save/restore ABI revision 0 (spec/its.md §5.1).
/// </summary>
public static class ItsTableEntries
{
    public const uint MaxDeviceOffset = (1u << 14) - 1;
    public const uint MaxEventOffset = (1u << 16) - 1;

    /// <summary>RDBase of a collection that was never mapped (KVM's COLLECTION_NOT_MAPPED).</summary>
    public const uint CollectionNotMapped = 0xFFFF_FFFF;

    /// <summary>DTE: V[63], next[62:49], ITT_addr[51:8] in [48:5], Size[4:0].</summary>
    public static ulong EncodeDte(uint next, ulong ittAddress, int eventIdBits) =>
        (1UL << 63) | ((ulong)Math.Min(next, MaxDeviceOffset) << 49) | ((ittAddress >> 8) << 5) | (uint)(eventIdBits - 1);

    public static (bool Valid, uint Next, ulong IttAddress, int EventIdBits) DecodeDte(ulong dte) =>
        (Bits.IsSet(dte, 63), (uint)Bits.Extract(dte, 49, 14), Bits.Extract(dte, 5, 44) << 8, (int)Bits.Extract(dte, 0, 5) + 1);

    /// <summary>ITE: next[63:48], pINTID[47:16], ICID[15:0]; pINTID 0 marks an invalid entry.</summary>
    public static ulong EncodeIte(uint next, uint intId, ushort collectionId) =>
        ((ulong)Math.Min(next, MaxEventOffset) << 48) | ((ulong)intId << 16) | collectionId;

    public static (uint Next, uint IntId, ushort CollectionId) DecodeIte(ulong ite) =>
        ((uint)Bits.Extract(ite, 48, 16), (uint)Bits.Extract(ite, 16, 32), (ushort)Bits.Extract(ite, 0, 16));

    /// <summary>CTE: V[63], RDBase (the 32-bit vcpu_id, or 0xFFFFFFFF when unmapped) at [47:16], ICID[15:0].</summary>
    public static ulong EncodeCte(uint? target, ushort collectionId) =>
        (1UL << 63) | ((ulong)(target ?? CollectionNotMapped) << 16) | collectionId;

    public static (bool Valid, uint Target, ushort CollectionId) DecodeCte(ulong cte) =>
        (Bits.IsSet(cte, 63), (uint)Bits.Extract(cte, 16, 32), (ushort)Bits.Extract(cte, 0, 16));
}
