using System.Threading.Channels;
using GicService.Api.Contracts;
using GicService.Api.Hubs;
using GicService.Api.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GicService.Api.Tests.Support;

/// <summary>
/// A real .NET SignalR client of <c>/hubs/fabric</c> that records what it is pushed. Every wait has a timeout;
/// nothing sleeps. <see cref="Stall"/> holds its <c>Event</c> handler until <see cref="Resume"/>; note that the
/// .NET client goes on reading its socket into an unbounded queue meanwhile, so this does not push back on the
/// service (<see cref="RawHubSocket"/> does).
/// </summary>
public sealed class HubSubscriber : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Channel<FabricEventResponse> _events = Channel.CreateUnbounded<FabricEventResponse>();
    private readonly TaskCompletionSource<SubscriptionEndedResponse> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _stall = Completed();

    private HubSubscriber(HubConnection connection)
    {
        Connection = connection;
        Connection.On<FabricEventResponse>(nameof(IFabricClient.Event), async e =>
        {
            await _stall.Task; // holding this handler holds the client's receive loop
            _events.Writer.TryWrite(e);
        });
        Connection.On<SubscriptionEndedResponse>(nameof(IFabricClient.SubscriptionEnded), n => _ended.TrySetResult(n));
    }

    public HubConnection Connection { get; }

    public Task<SubscriptionEndedResponse> Ended => _ended.Task;

    /// <summary>Connects; <paramref name="accessToken"/> is the API key, sent as SignalR's clients send a token.</summary>
    public static async Task<HubSubscriber> Connect(Uri baseAddress, bool messagePack = false, string? accessToken = null)
    {
        var builder = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, FabricHub.Path.TrimStart('/')), options =>
        {
            if (accessToken is not null)
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            }
        });
        if (messagePack)
        {
            builder.AddMessagePackProtocol(options => options.SerializerOptions = ContractMessagePackResolver.Options);
        }
        else
        {
            builder.AddJsonProtocol(options => options.PayloadSerializerOptions.Converters.Add(new HexJsonConverter()));
        }

        var subscriber = new HubSubscriber(builder.Build());
        await subscriber.Connection.StartAsync().WaitAsync(Timeout);
        return subscriber;
    }

    public Task<SubscriptionResponse> Subscribe(string hostId, long afterSeq) =>
        Connection.InvokeAsync<SubscriptionResponse>(nameof(FabricHub.Subscribe), hostId, afterSeq).WaitAsync(Timeout);

    public Task<SubscriptionResponse> SubscribeFiltered(string hostId, long afterSeq, EventFilter filter) =>
        Connection.InvokeAsync<SubscriptionResponse>(nameof(FabricHub.SubscribeFiltered), hostId, afterSeq, filter).WaitAsync(Timeout);

    public void Stall() => _stall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume() => _stall.TrySetResult();

    /// <summary>Everything received so far, in arrival order.</summary>
    public List<FabricEventResponse> Received { get; } = new();

    /// <summary>Waits until an event with seq at least <paramref name="seq"/> has arrived; returns <see cref="Received"/>.</summary>
    public async Task<List<FabricEventResponse>> WaitFor(long seq, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeout);
        while (Received.Count == 0 || Received[^1].Seq < seq)
        {
            try
            {
                Received.Add(await _events.Reader.ReadAsync(cts.Token));
            }
            catch (OperationCanceledException)
            {
                var last = Received.Count == 0 ? "none" : Received[^1].Seq.ToString();
                throw new TimeoutException($"Waited for seq {seq}; received {Received.Count} events, the last {last}.");
            }
        }

        return Received;
    }

    /// <summary>Moves what has arrived so far into <see cref="Received"/>, without waiting.</summary>
    public List<FabricEventResponse> Drain()
    {
        while (_events.Reader.TryRead(out var e))
        {
            Received.Add(e);
        }

        return Received;
    }

    /// <summary>Asserts <paramref name="events"/> are exactly seq <paramref name="first"/>..<paramref name="last"/>, in order.</summary>
    public static void AssertContiguous(IReadOnlyList<FabricEventResponse> events, long first, long last)
    {
        for (var i = 0; i < events.Count; i++)
        {
            Assert.True(events[i].Seq == first + i, $"event {i}: expected seq {first + i}, got {events[i].Seq} (previous {(i > 0 ? events[i - 1].Seq : first - 1)})");
        }

        Assert.True(events.Count == last - first + 1, $"expected seq {first}..{last} ({last - first + 1} events), got {events.Count}");
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
        await Connection.DisposeAsync().AsTask().WaitAsync(Timeout);
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
