using GicService.Api.Contracts;
using GicService.Api.Security;
using GicService.Infrastructure.Hosting;
using Microsoft.AspNetCore.SignalR;

namespace GicService.Api.Hubs;

/// <summary>
/// <c>/hubs/fabric</c>: streams a host's events in seq order, replayed from its event log and then live.
/// Thin and stateless: it validates arguments and hands over to <see cref="FabricSubscriptions"/>.
/// </summary>
public sealed class FabricHub(HostRegistry hosts, FabricSubscriptions subscriptions) : Hub<IFabricClient>
{
    public const string Path = "/hubs/fabric";

    /// <summary>Pushes <c>Event(e)</c> for every event of the host after <paramref name="afterSeq"/>, then live ones.</summary>
    public Task<SubscriptionResponse> Subscribe(string hostId, long afterSeq) => SubscribeFiltered(hostId, afterSeq, null);

    /// <summary>
    /// As <see cref="Subscribe"/>, narrowed by <paramref name="filter"/> to one VM or one vCPU (SignalR hub methods
    /// take no optional arguments, hence a second method). Subscribing again to the same host replaces the
    /// previous subscription of this connection.
    /// </summary>
    public Task<SubscriptionResponse> SubscribeFiltered(string hostId, long afterSeq, EventFilter? filter)
    {
        if (string.IsNullOrWhiteSpace(hostId))
        {
            throw new HubException("hostId is required.");
        }

        if (afterSeq < 0)
        {
            throw new HubException($"afterSeq must be 0 or more (got {afterSeq}).");
        }

        if (filter is { VmId: null, Vcpu: not null })
        {
            throw new HubException("A vcpu filter needs the vmId it belongs to.");
        }

        if (filter is { VmId: "" })
        {
            throw new HubException("filter.vmId must not be empty; leave it out to receive every VM's events.");
        }

        if (Context.User is not { } user || !user.MayAccessHost(hostId))
        {
            throw new HubException($"Host '{hostId}' is outside this key's scope.");
        }

        if (hosts.Find(hostId) is not { } runner)
        {
            throw new HubException($"Host '{hostId}' does not exist.");
        }

        var lastSeq = runner.Log.LastSeq;
        if (afterSeq > lastSeq)
        {
            throw new HubException($"afterSeq {afterSeq} is beyond host '{hostId}''s last seq {lastSeq}.");
        }

        if (afterSeq < runner.Log.FirstSeq - 1)
        {
            throw new HubException(
                $"Events after seq {afterSeq} are no longer kept: host '{hostId}' keeps its last {runner.Log.Retained} events " +
                $"(Limits:EventsRetainedPerHost), from seq {runner.Log.FirstSeq}.");
        }

        if (filter is { VmId: null, Vcpu: null })
        {
            filter = null;
        }

        return subscriptions.SubscribeAsync(Context.ConnectionId, runner, afterSeq, filter);
    }

    /// <summary>
    /// Stops this connection's subscription to the host; no event of it is pushed once this returns. Answers
    /// false when there was none (never subscribed, or already ended by the service).
    /// </summary>
    public Task<bool> Unsubscribe(string hostId)
    {
        if (string.IsNullOrWhiteSpace(hostId))
        {
            throw new HubException("hostId is required.");
        }

        return subscriptions.UnsubscribeAsync(Context.ConnectionId, hostId);
    }

    public override Task OnDisconnectedAsync(Exception? exception) => subscriptions.RemoveConnectionAsync(Context.ConnectionId);
}
