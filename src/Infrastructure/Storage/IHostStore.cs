using GicService.Domain.Hosts;

namespace GicService.Infrastructure.Storage;

/// <summary>Where running hosts keep what lets them survive a restart: SQLite (durable) or memory.</summary>
public interface IHostStore
{
    bool Durable { get; }

    /// <summary>Every stored host, read at start; corrupt or stale parts are reported in the log and repaired.</summary>
    Task<IReadOnlyList<StoredHost>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>The journal of a new host; nothing is stored until its <see cref="IHostJournal.CreateAsync"/>.</summary>
    IHostJournal NewJournal(HostConfiguration configuration);

    /// <summary>A small write that tells whether storage accepts writes now (for health checks).</summary>
    Task ProbeAsync(CancellationToken cancellationToken);
}
