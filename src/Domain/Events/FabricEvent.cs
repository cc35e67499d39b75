namespace GicService.Domain.Events;

/// <summary>
/// Something that happened in a host's fabric. Events carry ids only, never live objects. The host
/// stamps <see cref="Seq"/> (per host, gap-free, from 1) and <see cref="HostId"/> when it publishes them.
/// </summary>
public abstract record FabricEvent
{
    public long Seq { get; internal set; }

    public string HostId { get; internal set; } = "";

    /// <summary>The event type as the API names it (the record's name).</summary>
    public string Type => GetType().Name;
}
