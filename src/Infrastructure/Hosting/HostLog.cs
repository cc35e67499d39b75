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
}
