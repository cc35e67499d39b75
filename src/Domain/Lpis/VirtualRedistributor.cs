using GicService.Domain.Bitfields;
using GicService.Domain.Mmio;

namespace GicService.Domain.Lpis;

/// <summary>
/// The LPI side of one vCPU's redistributor as KVM emulates it (vgic-mmio-v3.c, spec/its.md §1.8):
/// GICR_CTLR.EnableLPIs with its state machine, the per-vCPU PENDBASER, the VM-wide PROPBASER, and
/// the direct invalidation registers.
/// </summary>
public sealed class VirtualRedistributor
{
    public const ulong ImplementerId = 0x4B00_043B;

    private const int CtlrEnableLpis = 0;
    private const int PendBaserPtz = 62;
    private const uint CtlrCesAndIr = 0x6; // CES and IR read 1 for GICD_IIDR revision >= 3, KVM's default.
    private static readonly ulong PendBaserRes0 =
        (1UL << 63) | Bits.Range(61, 59) | Bits.Range(55, 52) | Bits.Range(15, 12) | Bits.Range(6, 0);

    private readonly LpiDistributor _lpis;
    private readonly Action _invalidateAllItsCaches;
    private readonly bool _isLast;
    private readonly bool _hasIts;

    internal VirtualRedistributor(uint vcpuId, bool isLast, bool hasIts, LpiDistributor lpis, Action invalidateAllItsCaches)
    {
        VcpuId = vcpuId;
        _isLast = isLast;
        _hasIts = hasIts;
        _lpis = lpis;
        _invalidateAllItsCaches = invalidateAllItsCaches;
    }

    public uint VcpuId { get; }

    public bool EnableLpis { get; private set; }

    /// <summary>PENDBASER as stored (PTZ included; a guest read masks it).</summary>
    public ulong PendBaser { get; private set; }

    /// <summary>The pending table's address, PENDBASER.PA[51:16].</summary>
    public ulong PendingTableAddress => PendBaser & Bits.Range(51, 16);

    /// <summary>GICR_TYPER: affinity of MPIDR (Aff0 = id[3:0], Aff1 = id[11:4], Aff2 = id[19:12]), Processor_Number, Last, PLPIS.</summary>
    public ulong Typer
    {
        get
        {
            var aff0 = VcpuId & 0xF;
            var aff1 = (VcpuId >> 4) & 0xFF;
            var aff2 = (VcpuId >> 12) & 0xFF;
            var affinity = (ulong)((aff2 << 16) | (aff1 << 8) | aff0);
            var value = (affinity << 32) | ((ulong)(VcpuId & 0xFFFF) << 8);
            value = Bits.Set(value, 4, _isLast);
            value = Bits.Set(value, 0, _hasIts);
            return value;
        }
    }

    public ulong Read(RedistributorRegister register) => register switch
    {
        RedistributorRegister.Control => (EnableLpis ? 1UL : 0UL) | CtlrCesAndIr,
        RedistributorRegister.ImplementerId => ImplementerId,
        RedistributorRegister.Type => Typer,
        RedistributorRegister.PropertyBase => _lpis.PropBaser,
        RedistributorRegister.PendingBase => PendBaser & ~(1UL << PendBaserPtz),
        _ => 0, // SETLPIR/CLRLPIR RAZ; INVLPIR/INVALLR write-only; SYNCR: never busy, commands complete synchronously.
    };

    /// <summary>A guest MMIO write of <paramref name="length"/> bytes at <paramref name="offsetInRegister"/>.</summary>
    internal void Write(RedistributorRegister register, int offsetInRegister, int length, ulong value)
    {
        switch (register)
        {
            case RedistributorRegister.Control:
                WriteCtlr(value);
                break;
            case RedistributorRegister.PropertyBase:
                // One PROPBASER for the VM; the writing vCPU must not have LPIs enabled.
                if (!EnableLpis)
                {
                    _lpis.WritePropBaser(MmioAccess.Merge(_lpis.PropBaser, offsetInRegister, length, value));
                }

                break;
            case RedistributorRegister.PendingBase:
                if (!EnableLpis)
                {
                    var merged = MmioAccess.Merge(PendBaser, offsetInRegister, length, value);
                    merged = MemoryAttributes.Sanitise(merged, shareabilityLsb: 10, innerCacheLsb: 7, outerCacheLsb: 56);
                    PendBaser = merged & ~PendBaserRes0;
                }

                break;
            case RedistributorRegister.InvalidateLpi:
                // An upper-half write is for vPEs; without EnableLPIs the write is dropped (vgic_mmio_write_invlpi).
                if (offsetInRegister == 0 && EnableLpis && (uint)value >= 8192 && _lpis.Find((uint)value) is { } lpi)
                {
                    _lpis.UpdateConfig(lpi);
                }

                break;
            case RedistributorRegister.InvalidateAll:
                if (offsetInRegister == 0 && EnableLpis)
                {
                    _lpis.InvalidateAll(VcpuId);
                }

                break;
        }
    }

    internal void Restore(bool enableLpis, ulong pendBaser)
    {
        EnableLpis = enableLpis;
        PendBaser = pendBaser;
    }

    private void WriteCtlr(ulong value)
    {
        if (!_hasIts)
        {
            return;
        }

        var enable = Bits.IsSet(value, CtlrEnableLpis);
        if (!enable && EnableLpis)
        {
            // EnableLPIs -> RWP -> 0: the vCPU's list empties (latches kept) and every ITS cache is flushed.
            _lpis.Flush(VcpuId);
            _invalidateAllItsCaches();
            EnableLpis = false;
        }
        else if (enable && !EnableLpis)
        {
            EnableLpis = true;
            if (!Bits.IsSet(PendBaser, PendBaserPtz))
            {
                _lpis.SyncPendingTable(VcpuId, PendingTableAddress);
            }
        }
    }
}
