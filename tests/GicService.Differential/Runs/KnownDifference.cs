namespace GicService.Differential.Runs;

/// <summary>
/// The rows of spec/qemu-vs-kvm.md ("Known differences") that the differential meets while running a
/// stream, and the rows it found and docs/qemu-differences.md adds (22 on). Each value is the row number; how the
/// harness handles the row is said where it does so (StreamRunner) and in docs/qemu-differences.md.
/// Rows kept out by the generator (1, 5, 11, 14, 15, 16) and rows that cannot arise with the ready
/// layout (17, 18, 19, 20, 21) have no value here.
/// </summary>
public enum KnownDifference
{
    /// <summary>MAPTI/MAPI on an event with an ITE: KVM keeps the old mapping, QEMU overwrites. The command is not sent to QEMU.</summary>
    Row2MaptiKeepsOldMapping = 2,

    /// <summary>MAPD V=1 with an ITT QEMU would read old ITEs from: the harness zeroes the ITT first, as a guest allocating a fresh ITT does.</summary>
    Row3MapdSameItt = 3,

    /// <summary>MAPD freeing a pending LPI: KVM drops the latch, QEMU keeps the bit; the harness clears it in QEMU.</summary>
    Row4MapdDropsPending = 4,

    /// <summary>MAPC V=0 orphaning ITEs: the harness points QEMU's ITEs at an ICID never mapped, so MAPC V=1 cannot revive them (row 6).</summary>
    Row6OrphanedItes = 6,

    /// <summary>INV on an ITE whose collection is unmapped: KVM succeeds, QEMU fails "invalid CTE".</summary>
    Row7InvUnmappedCollection = 7,

    /// <summary>CLEAR on an ITE whose collection is unmapped: KVM clears the latch, QEMU fails; the harness clears QEMU's bit.</summary>
    Row8ClearUnmappedCollection = 8,

    /// <summary>INVALL on an unknown or unmapped ICID: KVM fails, QEMU succeeds.</summary>
    Row9InvallUnmappedCollection = 9,

    /// <summary>MAPC V=1 retargeting a collection with a pending LPI: KVM moves the latch, QEMU does not; the harness moves QEMU's bit.</summary>
    Row10MapcRetargetMovesPending = 10,

    /// <summary>MAPTI/MAPI creating a second ITE for an INTID that already has an LPI: shared in KVM, per ITE in QEMU. Dropped from the stream.</summary>
    Row12SharedIntId = 12,

    /// <summary>
    /// New row (docs/qemu-differences.md): INT or MSI whose target redistributor has EnableLPIs = 0 is
    /// dropped by both, KVM reporting -EBUSY and QEMU nothing.
    /// </summary>
    Row22TriggerWithLpisDisabled = 22,

    /// <summary>
    /// New row: CLEAR, DISCARD or MOVI of an LPI whose redistributor (or MOVI's target) has EnableLPIs = 0:
    /// KVM clears, frees or moves the latch; QEMU leaves the pending tables alone. The harness does to
    /// QEMU's bit what KVM did to the latch.
    /// </summary>
    Row23PendingChangeWithLpisDisabled = 23,

    /// <summary>New row: an MSI while the ITS is disabled is dropped by both, KVM reporting -EBUSY and QEMU nothing.</summary>
    Row24MsiWithItsDisabled = 24,
}
