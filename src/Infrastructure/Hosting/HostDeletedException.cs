namespace GicService.Infrastructure.Hosting;

/// <summary>A request reached a host after it was deleted.</summary>
public sealed class HostDeletedException(string hostId) : InvalidOperationException($"Host '{hostId}' has been deleted.")
{
    public string HostId { get; } = hostId;
}
