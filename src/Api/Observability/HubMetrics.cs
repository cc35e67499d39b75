using System.Diagnostics.Metrics;
using GicService.Api.Hubs;

namespace GicService.Api.Observability;

/// <summary>
/// The hub's instruments on the meter <c>GicService.Api</c> (docs/operations.md), observed at each collection
/// (each scrape of <c>/metrics</c>), so the event path pays nothing for them: running subscriptions, and how far
/// behind their hosts they are in events (published but not yet sent: still to replay, buffered, or being sent).
/// Built by the metrics pipeline once, which keeps it alive.
/// </summary>
public sealed class HubMetrics
{
    public const string MeterName = "GicService.Api";

    public HubMetrics(IMeterFactory meterFactory, FabricSubscriptions subscriptions)
    {
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableUpDownCounter("gicservice.hub.subscriptions", () => subscriptions.Count, "{subscription}",
            "Hub subscriptions running now (one per connection and host).");
        meter.CreateObservableGauge("gicservice.hub.lag", () => subscriptions.Lags().Sum(), "{event}",
            "Events published by the hosts but not yet sent to a subscriber, summed over the running subscriptions.");
        meter.CreateObservableGauge("gicservice.hub.lag.max", () => subscriptions.Lags().DefaultIfEmpty(0).Max(), "{event}",
            "The largest lag of one running subscription, in events (Hub:SubscriberBuffer bounds its live part).");
    }
}
