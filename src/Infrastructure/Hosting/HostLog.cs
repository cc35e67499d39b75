using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Hosting;

/// <summary>High-frequency structured logs of running hosts. The domain emits events; these log them at Debug.</summary>
internal static partial class HostLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Host {HostId} created with {Pcpus} pCPUs ({GicVersion})")]
    public static partial void Created(ILogger logger, string hostId, int pcpus, string gicVersion);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Host {HostId} deleted")]
    public static partial void Deleted(ILogger logger, string hostId);

    [LoggerMessage(EventId = 110, Level = LogLevel.Debug, Message = "Host {HostId} applied {Input}: accepted {Accepted}, {EventCount} events")]
    public static partial void Applied(ILogger logger, string hostId, string input, bool accepted, int eventCount);

    [LoggerMessage(EventId = 111, Level = LogLevel.Debug, Message = "Host {HostId} event {Seq} {EventType}")]
    public static partial void Event(ILogger logger, string hostId, long seq, string eventType);

    [LoggerMessage(EventId = 112, Level = LogLevel.Error, Message = "Host {HostId} threw while applying {Input}; the host goes on as a replay of its journal would")]
    public static partial void ApplyFailed(ILogger logger, Exception exception, string hostId, string input);

    [LoggerMessage(EventId = 120, Level = LogLevel.Information, Message = "Host {HostId} recovered: {Inputs} inputs ({Replayed} replayed after the snapshot of input {SnapshotIndex}), last seq {LastSeq}, in {Milliseconds} ms")]
    public static partial void Recovered(ILogger logger, string hostId, long inputs, long replayed, long snapshotIndex, long lastSeq, long milliseconds);

    [LoggerMessage(EventId = 121, Level = LogLevel.Warning, Message = "Host {HostId}: its snapshot after input {Index} cannot be rebuilt ({Reason}); the whole journal is replayed instead")]
    public static partial void SnapshotUnusable(ILogger logger, string hostId, long index, string reason);

    [LoggerMessage(EventId = 122, Level = LogLevel.Information, Message = "Recovered {Hosts} hosts in {Milliseconds} ms")]
    public static partial void RecoveredAll(ILogger logger, int hosts, long milliseconds);
}
