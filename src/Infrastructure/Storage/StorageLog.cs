using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Storage;

/// <summary>What storage reports: where it lives, what recovery found, and every failed write.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Storage: SQLite database {Path} (WAL, synchronous {Synchronous}, snapshot every {SnapshotEvery} inputs)")]
    public static partial void Opened(ILogger logger, string path, string synchronous, int snapshotEvery);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Storage is off (Storage:Durable = false): hosts live in memory only and do not survive a restart")]
    public static partial void InMemory(ILogger logger);

    [LoggerMessage(EventId = 202, Level = LogLevel.Error, Message = "Storage: the database {Path} cannot be opened; mutating requests fail with 503 until it can")]
    public static partial void OpenFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 203, Level = LogLevel.Error, Message = "Storage: the existing database {Path} cannot be read; no host was recovered and writes are refused until a restart can read it")]
    public static partial void ReadFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 210, Level = LogLevel.Error, Message = "Storage: a write of {Operations} operations ({Inputs} inputs) failed; none of them was applied")]
    public static partial void WriteFailed(ILogger logger, Exception exception, int operations, int inputs);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Storage: a write of {Operations} operations ({Inputs} inputs) failed again ({Reason}); none of them was applied")]
    public static partial void WriteStillFailing(ILogger logger, int operations, int inputs, string reason);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Storage: writes succeed again")]
    public static partial void WritesResumed(ILogger logger);

    [LoggerMessage(EventId = 212, Level = LogLevel.Warning, Message = "Storage: a snapshot of host {HostId} after input {Index} could not be written; the journal still holds every input")]
    public static partial void SnapshotFailed(ILogger logger, Exception exception, string hostId, long index);

    [LoggerMessage(EventId = 220, Level = LogLevel.Warning, Message = "Recovery: host {HostId}: input {Index} is corrupt or missing ({Reason}); the host comes back with its {Complete} complete inputs and the rest of the journal is removed")]
    public static partial void CorruptInput(ILogger logger, string hostId, long index, string reason, long complete);

    [LoggerMessage(EventId = 221, Level = LogLevel.Warning, Message = "Recovery: host {HostId}: snapshot after input {Index} is unusable ({Reason}); an older one or the journal is used instead")]
    public static partial void CorruptSnapshot(ILogger logger, string hostId, long index, string reason);

    [LoggerMessage(EventId = 222, Level = LogLevel.Warning, Message = "Recovery: host {HostId}: stored events from seq {Seq} are unusable ({Reason}); they are regenerated from the journal")]
    public static partial void CorruptEvents(ILogger logger, string hostId, long seq, string reason);

    [LoggerMessage(EventId = 223, Level = LogLevel.Error, Message = "Recovery: host {HostKey} ({HostId}) has an unreadable configuration and cannot be recovered ({Reason}); its data is kept")]
    public static partial void CorruptHost(ILogger logger, long hostKey, string hostId, string reason);

    [LoggerMessage(EventId = 224, Level = LogLevel.Information, Message = "Storage: removed the data of {Hosts} deleted hosts")]
    public static partial void Purged(ILogger logger, int hosts);
}
