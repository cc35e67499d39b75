using GicService.Api.Contracts;

namespace GicService.Api.Hubs;

/// <summary>What <see cref="FabricHub"/> pushes to its clients.</summary>
public interface IFabricClient
{
    /// <summary>One event of a subscribed host, in seq order.</summary>
    Task Event(FabricEventResponse e);

    /// <summary>The service ended a subscription (lagged, host deleted); the notice names the seq to resume after.</summary>
    Task SubscriptionEnded(SubscriptionEndedResponse notice);
}
