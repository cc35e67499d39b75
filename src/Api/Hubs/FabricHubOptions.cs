using System.ComponentModel.DataAnnotations;

namespace GicService.Api.Hubs;

/// <summary>Configuration section <c>Hub</c>.</summary>
public sealed class FabricHubOptions
{
    public const string Section = "Hub";

    /// <summary>
    /// How many live events a subscription may have waiting for its connection before it is ended as lagged.
    /// Each waiting event is a reference to one the host's log keeps anyway (8 bytes), so the default is generous.
    /// </summary>
    [Range(16, 1_048_576)]
    public int SubscriberBuffer { get; set; } = 65_536;
}
