namespace GicService.Domain.Its;

/// <summary>GITS_IIDR: ProductID 'K' (0x4B), Revision = ITS table ABI revision, Implementer Arm (0x43B).</summary>
public static class GitsIidr
{
    public const uint ProductAndImplementer = 0x4B00_043B;
    public const int RevisionLsb = 12;

    public static uint Value(int abiRevision) => ProductAndImplementer | ((uint)abiRevision << RevisionLsb);
}
