using GicService.Domain.Events;
using GicService.Domain.Inputs;
using GicService.Domain.Snapshots;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// One host's durable record: its creation, every input in order (numbered from 1), periodic snapshots
/// with the events published since the previous one, and its deletion. Every method completes once the
/// write is durable, or fails with <see cref="StorageUnavailableException"/> having stored nothing.
/// </summary>
public interface IHostJournal
{
    /// <summary>Stores the host's configuration (the host exists from now on, across restarts).</summary>
    Task CreateAsync();

    /// <summary>
    /// Appends <paramref name="inputs"/> as inputs <paramref name="firstIndex"/>, <paramref name="firstIndex"/> + 1, ...
    /// Anything stored at those numbers or after (from an attempt reported as failed) is replaced. The
    /// <paramref name="rejected"/> marks of earlier inputs ride along.
    /// </summary>
    Task AppendAsync(long firstIndex, IReadOnlyList<HostInput> inputs, IReadOnlyList<long> rejected);

    /// <summary>Stores the host's state after input <paramref name="inputIndex"/>, with the events since the previous snapshot.</summary>
    Task SnapshotAsync(long inputIndex, HostSnapshot snapshot, IReadOnlyList<FabricEvent> events, IReadOnlyList<long> rejected);

    /// <summary>Deletes the host and, with it, its inputs, snapshots and events.</summary>
    Task DeleteAsync();

    /// <summary>Inputs 1 to <paramref name="upTo"/>, in order, as stored (the JSON of <see cref="Serialization.GicJson"/>).</summary>
    IAsyncEnumerable<JournalEntry> ReadAsync(long upTo, CancellationToken cancellationToken);
}

/// <summary>One journaled input: its number, its JSON, and whether the host refused it.</summary>
public readonly record struct JournalEntry(long Index, ReadOnlyMemory<byte> Json, bool Rejected);
