using System.ComponentModel.DataAnnotations;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// Configuration section <c>Storage</c> (docs/durability.md). Defaults make <c>dotnet run</c> durable with
/// no configuration: one SQLite database under <c>data/</c> of the content root.
/// </summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Environment variable naming the data directory when <see cref="DataDirectory"/> is not configured.</summary>
    public const string DataDirectoryVariable = "GICSERVICE_DATA";

    public const string DatabaseFileName = "gicservice.db";

    /// <summary>Where the database lives. Unset: <c>$GICSERVICE_DATA</c>, else <c>data/</c> under the content root.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>False keeps everything in memory (nothing survives a restart): for benchmarks and throwaway runs.</summary>
    public bool Durable { get; set; } = true;

    /// <summary>A host's full state is written after every this many inputs, so recovery replays at most about this many.</summary>
    [Range(1, int.MaxValue)]
    public int SnapshotEvery { get; set; } = 10_000;

    /// <summary>
    /// SQLite's synchronous setting in WAL mode. <c>Full</c> (default) syncs the WAL at every commit, so an
    /// acknowledged input survives a power loss; <c>Normal</c> survives a process crash only, and is faster.
    /// </summary>
    public StorageSynchronous Synchronous { get; set; } = StorageSynchronous.Full;

    /// <summary>Optional cap on the database size; past it, writes fail as on a full disk (503 storage-unavailable).</summary>
    [Range(1, 1L << 30)]
    public long? MaxDatabaseMiB { get; set; }

    /// <summary>Most inputs one group-commit transaction takes (of all hosts together).</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchInputs { get; set; } = 8192;
}

public enum StorageSynchronous
{
    Normal,
    Full,
}
