using System.Collections.Concurrent;
using GicService.Api.Contracts;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Limits;
using GicService.Infrastructure.Streaming;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace GicService.Api.Hubs;

/// <summary>
/// The hub's state: per connection, one running subscription per host. Each subscription has its own pump
/// that reads its <see cref="EventSubscription"/> and pushes through <see cref="IHubContext{THub,T}"/> to that
/// one connection, so a connection that reads slowly only ever holds up its own pump.
/// </summary>
public sealed partial class FabricSubscriptions(
    IHubContext<FabricHub, IFabricClient> hub,
    IOptions<FabricHubOptions> options,
    IOptions<LimitsOptions> limits,
    ILogger<FabricSubscriptions> logger)
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);

    public async Task<SubscriptionResponse> SubscribeAsync(string connectionId, HostRunner runner, long afterSeq, EventFilter? filter)
    {
        var connection = _connections.GetOrAdd(connectionId, static _ => new Connection());
        Pump? previous;
        lock (connection)
        {
            // SignalR runs one hub call per connection at a time, so the count cannot change until this one is done.
            var max = limits.Value.HubSubscriptionsPerConnection;
            if (!connection.Pumps.ContainsKey(runner.Id) && connection.Pumps.Count >= max)
            {
                throw new HubException(
                    $"This connection already has {connection.Pumps.Count} subscriptions, the limit ({LimitsOptions.Key(nameof(LimitsOptions.HubSubscriptionsPerConnection))}); unsubscribe from a host first.");
            }

            connection.Pumps.Remove(runner.Id, out previous);
        }

        if (previous is not null)
        {
            // The old stream stops before the new one starts, so the two never interleave on the wire.
            await previous.StopAsync();
        }

        var lastSeq = runner.Log.LastSeq;
        var pump = new Pump(connectionId, runner.Id, runner.Log, runner.Feed.Subscribe(afterSeq, options.Value.SubscriberBuffer), filter,
            hub.Clients.Client(connectionId), logger);
        lock (connection)
        {
            if (connection.Closed)
            {
                throw new HubException("The connection is closing.");
            }

            connection.Pumps[runner.Id] = pump;
        }

        pump.Start(() => Forget(connection, runner.Id, pump));
        Log.Subscribed(logger, connectionId, runner.Id, afterSeq, filter?.VmId, filter?.Vcpu);
        return new SubscriptionResponse(runner.Id, afterSeq, lastSeq, filter);
    }

    public async Task<bool> UnsubscribeAsync(string connectionId, string hostId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection))
        {
            return false;
        }

        Pump? pump;
        lock (connection)
        {
            connection.Pumps.Remove(hostId, out pump);
        }

        if (pump is null)
        {
            return false;
        }

        await pump.StopAsync();
        return true;
    }

    public async Task RemoveConnectionAsync(string connectionId)
    {
        if (!_connections.TryRemove(connectionId, out var connection))
        {
            return;
        }

        List<Pump> pumps;
        lock (connection)
        {
            connection.Closed = true;
            pumps = connection.Pumps.Values.ToList();
            connection.Pumps.Clear();
        }

        foreach (var pump in pumps)
        {
            await pump.StopAsync();
        }
    }

    /// <summary>How many subscriptions are running (for tests and metrics).</summary>
    public int Count => _connections.Values.Sum(c =>
    {
        lock (c)
        {
            return c.Pumps.Count;
        }
    });

    /// <summary>
    /// How far behind its host each running subscription is, in events: published by the host but not yet sent
    /// to the connection (still to replay, buffered, or being sent). For metrics.
    /// </summary>
    public List<long> Lags()
    {
        var lags = new List<long>();
        foreach (var connection in _connections.Values)
        {
            lock (connection)
            {
                foreach (var pump in connection.Pumps.Values)
                {
                    lags.Add(pump.Lag);
                }
            }
        }

        return lags;
    }

    private static void Forget(Connection connection, string hostId, Pump pump)
    {
        lock (connection)
        {
            if (connection.Pumps.TryGetValue(hostId, out var current) && ReferenceEquals(current, pump))
            {
                connection.Pumps.Remove(hostId);
            }
        }
    }

    private sealed class Connection
    {
        public Dictionary<string, Pump> Pumps { get; } = new(StringComparer.Ordinal);

        public bool Closed { get; set; }
    }

    private sealed class Pump(string connectionId, string hostId, EventLog log, EventSubscription subscription, EventFilter? filter, IFabricClient client, ILogger logger)
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;

        public long Lag => Math.Max(0, log.LastSeq - subscription.LastSeq);

        public void Start(Action ended) => _run = Task.Run(async () =>
        {
            try
            {
                await RunAsync();
            }
            finally
            {
                ended();
            }
        });

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await _run;
        }

        private async Task RunAsync()
        {
            try
            {
                await foreach (var e in subscription.ReadAllAsync(_stop.Token))
                {
                    var wire = FabricEventResponse.From(e);
                    if (filter is null || filter.Matches(wire))
                    {
                        await client.Event(wire);
                    }
                }

                if (subscription.End is { Reason: not SubscriptionEndReason.Cancelled } end)
                {
                    Log.Ended(logger, connectionId, hostId, end.Reason, end.LastSeq);
                    await client.SubscriptionEnded(Notice(end));
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                // Unsubscribed or disconnected.
            }
            catch (Exception ex)
            {
                // A bug. The stream stops rather than skip an event, and the client is told where to resume.
                Log.PumpFailed(logger, ex, hostId);
                await client.SubscriptionEnded(new SubscriptionEndedResponse(hostId, "error", subscription.LastSeq,
                    $"The service failed while streaming host '{hostId}' and ended the subscription after seq {subscription.LastSeq}. " +
                    $"Subscribe again with afterSeq = {subscription.LastSeq} to resume."));
            }
            finally
            {
                await subscription.DisposeAsync();
            }
        }

        private SubscriptionEndedResponse Notice(SubscriptionEnd end) => end.Reason switch
        {
            SubscriptionEndReason.Lagged => new SubscriptionEndedResponse(hostId, "lagged", end.LastSeq,
                $"This connection fell more than {subscription.BufferCapacity} events behind host '{hostId}', so its subscription " +
                $"was ended after seq {end.LastSeq}; every event up to it was sent. Subscribe again with afterSeq = {end.LastSeq} to resume."),
            SubscriptionEndReason.HostDeleted => new SubscriptionEndedResponse(hostId, "hostDeleted", end.LastSeq,
                $"Host '{hostId}' was deleted; its last event was seq {end.LastSeq}."),
            _ => throw new InvalidOperationException($"No notice for {end.Reason}."),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Connection {ConnectionId} subscribed to host {HostId} after seq {AfterSeq} (vm {VmId}, vcpu {Vcpu})")]
        public static partial void Subscribed(ILogger logger, string connectionId, string hostId, long afterSeq, string? vmId, uint? vcpu);

        [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Subscription of connection {ConnectionId} to host {HostId} ended ({Reason}) after seq {Seq}")]
        public static partial void Ended(ILogger logger, string connectionId, string hostId, SubscriptionEndReason reason, long seq);

        [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Event pump of host {HostId} failed")]
        public static partial void PumpFailed(ILogger logger, Exception exception, string hostId);
    }
}
