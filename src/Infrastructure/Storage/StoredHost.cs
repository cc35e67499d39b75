using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Snapshots;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// A host as storage holds it at start: its configuration, its latest usable snapshot (taken after input
/// <see cref="SnapshotIndex"/>, null when there is none), the events up to that snapshot, and the inputs.
/// </summary>
public sealed class StoredHost(
    HostConfiguration configuration,
    IHostJournal journal,
    HostSnapshot? snapshot,
    long snapshotIndex,
    IReadOnlyList<Hosting.StoredEventSegment> events,
    Func<long, IEnumerable<StoredInput>> inputsAfter)
{
    public HostConfiguration Configuration { get; } = configuration;

    public IHostJournal Journal { get; } = journal;

    public HostSnapshot? Snapshot { get; } = snapshot;

    public long SnapshotIndex { get; } = snapshotIndex;

    /// <summary>The stored events with seq 1 to the snapshot's LastSeq, in segments decoded on demand (none without a snapshot).</summary>
    public IReadOnlyList<Hosting.StoredEventSegment> Events { get; } = events;

    /// <summary>
    /// The complete inputs after input <paramref name="index"/>, in order; it ends at the first corrupt or
    /// missing one, which is logged and removed with everything after it.
    /// </summary>
    public IEnumerable<StoredInput> InputsAfter(long index) => inputsAfter(index);
}

public readonly record struct StoredInput(long Index, HostInput Input);
