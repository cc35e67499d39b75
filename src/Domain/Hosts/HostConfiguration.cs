namespace GicService.Domain.Hosts;

/// <summary>
/// Everything a host is built from. Invalid configuration fails construction with a message naming the
/// field; every later change is an input.
/// </summary>
public sealed record HostConfiguration(
    string Id,
    int Pcpus,
    GicVersion GicVersion,
    int HostDevBits = 16,
    int HostIdBits = 16,
    bool? DirectLpi = null,
    bool RemapHint = false,
    bool PreservePendingOnUnmap = false,
    HostLimits? Limits = null)
{
    public const int MaxPcpus = 4096;

    /// <summary>A v4.1 host always implements DirectLPI; a v4.0 host defaults to not (spec/vgic-v4.md §8).</summary>
    public bool EffectiveDirectLpi => GicVersion == GicVersion.V4_1 || (DirectLpi ?? false);

    /// <summary>The host's limits; a configuration written before limits existed has none beyond the architecture's.</summary>
    public HostLimits EffectiveLimits => Limits ?? HostLimits.Architectural;

    public IEnumerable<(string Field, string Problem)> Validate()
    {
        if (string.IsNullOrWhiteSpace(Id))
        {
            yield return ("id", "must not be empty");
        }

        if (Pcpus is < 1 or > MaxPcpus)
        {
            yield return ("pcpus", $"must be between 1 and {MaxPcpus}");
        }

        if (HostDevBits is < 1 or > 32)
        {
            yield return ("hostIts.devBits", "must be between 1 and 32");
        }

        if (HostIdBits is < 14 or > 32)
        {
            yield return ("hostIts.idBits", "must be between 14 and 32");
        }

        if (GicVersion == GicVersion.V4_1 && DirectLpi == false)
        {
            yield return ("hostIts.directLpi", "a v4.1 host always implements DirectLPI");
        }

        foreach (var problem in EffectiveLimits.Validate())
        {
            yield return problem;
        }
    }
}
