using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using GicService.Api.Hubs;

namespace GicService.Api.Tests.Support;

/// <summary>
/// A minimal SignalR JSON-protocol client over a bare WebSocket, for the one thing the .NET client cannot do:
/// stop reading its socket, as a frozen browser tab does, so the service sees real back-pressure.
/// </summary>
public sealed class RawHubSocket : IAsyncDisposable
{
    private const char RecordSeparator = '\u001e';

    private readonly ClientWebSocket _socket = new();
    private readonly StringBuilder _pending = new();
    private readonly Queue<JsonNode> _ready = new();
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _nextInvocation;

    private RawHubSocket()
    {
    }

    /// <summary>Seqs of the <c>Event</c> messages read so far.</summary>
    public List<long> Seqs { get; } = new();

    /// <summary>The <c>SubscriptionEnded</c> notice, once read.</summary>
    public JsonNode? Ended { get; private set; }

    public static async Task<RawHubSocket> Connect(Uri baseAddress)
    {
        var raw = new RawHubSocket();
        var ws = new UriBuilder(new Uri(baseAddress, FabricHub.Path.TrimStart('/'))) { Scheme = "ws" }.Uri;
        // A small, fixed receive buffer (no autotuning), so the service feels a stalled reader within a few events.
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096, NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var invoker = new HttpMessageInvoker(handler);
        await raw._socket.ConnectAsync(ws, invoker, CancellationToken.None).WaitAsync(HubSubscriber.Timeout); // WebSockets need no negotiate
        await raw.Send(new JsonObject { ["protocol"] = "json", ["version"] = 1 });
        var handshake = await raw.Next();
        Assert.True(handshake["error"] is null, $"handshake refused: {handshake}");
        return raw;
    }

    /// <summary>Invokes a hub method and reads until its completion, recording pushed events on the way.</summary>
    public async Task<JsonNode?> Invoke(string target, params object?[] arguments)
    {
        var id = (++_nextInvocation).ToString();
        await Send(new JsonObject
        {
            ["type"] = 1,
            ["invocationId"] = id,
            ["target"] = target,
            ["arguments"] = new JsonArray(arguments.Select(a => JsonValue.Create(a)).ToArray<JsonNode?>()),
        });
        while (true)
        {
            var message = await Next();
            if ((int?)message["type"] == 3 && (string?)message["invocationId"] == id)
            {
                Assert.True(message["error"] is null, $"{target} failed: {message["error"]}");
                return message["result"];
            }
        }
    }

    /// <summary>Reads until <paramref name="done"/> holds.</summary>
    public async Task ReadUntil(Func<RawHubSocket, bool> done)
    {
        while (!done(this))
        {
            await Next();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(HubSubscriber.Timeout);
        }

        _socket.Dispose();
    }

    private Task Send(JsonNode message) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString() + RecordSeparator), WebSocketMessageType.Text, true, CancellationToken.None)
            .WaitAsync(HubSubscriber.Timeout);

    /// <summary>The next message (handshake, invocation, completion, ping), recording events and notices.</summary>
    private async Task<JsonNode> Next()
    {
        while (_ready.Count == 0)
        {
            var read = await _socket.ReceiveAsync(_buffer, CancellationToken.None).WaitAsync(HubSubscriber.Timeout);
            Assert.True(read.MessageType != WebSocketMessageType.Close, "the service closed the socket");
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, read.Count));
            var records = _pending.ToString().Split(RecordSeparator);
            _pending.Clear().Append(records[^1]);
            foreach (var record in records[..^1])
            {
                _ready.Enqueue(JsonNode.Parse(record)!);
            }
        }

        var message = _ready.Dequeue();
        if ((int?)message["type"] == 1 && (string?)message["target"] == nameof(IFabricClient.Event))
        {
            Seqs.Add((long)message["arguments"]![0]!["seq"]!);
        }
        else if ((int?)message["type"] == 1 && (string?)message["target"] == nameof(IFabricClient.SubscriptionEnded))
        {
            Ended = message["arguments"]![0];
        }

        return message;
    }
}
