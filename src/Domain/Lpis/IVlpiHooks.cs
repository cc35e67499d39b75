namespace GicService.Domain.Lpis;

/// <summary>
/// What the vgic-v4 bridge must hear from a VM's LPIs and vITS when an LPI is forwarded (hw): the
/// guest-command hooks of spec/vgic-v4.md §3. The software path never calls these for non-forwarded LPIs.
/// </summary>
internal interface IVlpiHooks
{
    /// <summary>INT or an MSI on a forwarded LPI: the VLPI becomes pending (host INT + VSYNC), never the software latch.</summary>
    void Inject(Lpi lpi, uint? deviceId, uint? eventId, string reason);

    /// <summary>CLEAR on a forwarded LPI: host CLEAR + VSYNC.</summary>
    void Clear(Lpi lpi);

    /// <summary>A property re-read (INV, INVALL, INVLPIR, INVALLR) of a forwarded LPI: the vprop byte, invalidated when asked.</summary>
    void PropertyUpdated(Lpi lpi, byte property, bool invalidate);

    /// <summary>INVALL / GICR_INVALLR for a vCPU: VINVALL (v4.0) or GICR_INVALLR (v4.1) for its vPE.</summary>
    void InvalidateAll(uint vcpu);

    /// <summary>The LPI's target changed (MOVI, MOVALL, MAPC retarget): VMOVI to the new vPE.</summary>
    void Retargeted(Lpi lpi);

    /// <summary>An ITE of a forwarded LPI was freed (DISCARD, MAPD, BASER change, reset): host unmap, hw cleared.</summary>
    void Unmapped(Lpi lpi, uint deviceId, uint eventId, string reason);

    /// <summary>MAPTI/MAPI created a translation: KVM does nothing here (spec/vgic-v4.md §6); the remapHint option may re-forward.</summary>
    void Mapped(uint deviceId, uint eventId);

    /// <summary>The VLPI's pending state as the host reports it (GICv4.1 only; null when it cannot be read).</summary>
    bool? VlpiPending(Lpi lpi);
}
