using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using GicService.Api.Contracts;
using GicService.Api.Hubs;
using GicService.Api.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace GicService.HubBench;

/// <summary>
/// One open-loop run: probe requests go out on a fixed schedule whatever the answers do, each naming an event
/// id; latency is from just before a probe is sent to the moment the client's handler sees the event with that
/// event id. Probe event ids rotate over <see cref="Keys"/> - 1, so one is reused only every Keys/rate seconds.
/// Optionally a background load adds <c>backgroundRoute</c> requests of <see cref="BackgroundBatch"/> events
/// each (event id <see cref="BackgroundKey"/>, not measured), so the hub carries far more events than requests.
/// </summary>
internal static class LatencyRun
{
    public const int Keys = 1024;

    /// <summary>The event id background events carry; probes never use it.</summary>
    public const int BackgroundKey = Keys - 1;

    /// <summary>Events each background request adds.</summary>
    public const int BackgroundBatch = 100;

    public static async Task<Result> Run(
        HttpClient http, Uri baseAddress, string route, bool messagePack, int rate, int seconds,
        (string Route, object Body, int EventsPerSecond)? background = null)
    {
        var total = rate * seconds;
        var sentAt = new ConcurrentQueue<long>[Keys];
        for (var i = 0; i < Keys; i++)
        {
            sentAt[i] = new ConcurrentQueue<long>();
        }

        var latencies = new double[total];
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var builder = new HubConnectionBuilder().WithUrl(new Uri(baseAddress, FabricHub.Path.TrimStart('/')));
        if (messagePack)
        {
            builder.AddMessagePackProtocol(o => o.SerializerOptions = ContractMessagePackResolver.Options);
        }
        else
        {
            builder.AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new HexJsonConverter()));
        }

        await using var connection = builder.Build();
        connection.On<FabricEventResponse>(nameof(IFabricClient.Event), e =>
        {
            var now = Stopwatch.GetTimestamp();
            if (e.Type != "LpiPending" || e.EventId is not { } key || !sentAt[key].TryDequeue(out var start))
            {
                return;
            }

            var n = Interlocked.Increment(ref received);
            if (n <= total)
            {
                latencies[n - 1] = Stopwatch.GetElapsedTime(start, now).TotalMilliseconds;
            }

            if (n == total)
            {
                done.TrySetResult();
            }
        });
        await connection.StartAsync();
        if (route.StartsWith("/api/hosts/bench", StringComparison.Ordinal))
        {
            var last = (await http.GetFromJsonAsync<EventPageResponse>("/api/hosts/bench/events?limit=1"))!.LastSeq;
            await connection.InvokeAsync<SubscriptionResponse>(nameof(FabricHub.Subscribe), "bench", last);
        }

        var failures = 0;
        using var stopBackground = new CancellationTokenSource();
        var backgroundLoad = background is { } load
            ? Task.Run(() => Background(load.Route, load.Body, load.EventsPerSecond / BackgroundBatch, stopBackground.Token))
            : Task.CompletedTask;
        var inFlight = new List<Task>(total);
        var ticksPerRequest = (double)Stopwatch.Frequency / rate;
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < total;)
        {
            var due = (long)((Stopwatch.GetTimestamp() - t0) / ticksPerRequest) + 1;
            for (; i < total && i < due; i++)
            {
                inFlight.Add(Send(i % BackgroundKey));
            }

            await Task.Delay(1);
        }

        var sendSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        await Task.WhenAll(inFlight);
        await Task.WhenAny(done.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        await stopBackground.CancelAsync();
        await backgroundLoad;
        var count = Math.Min(Volatile.Read(ref received), total);
        return new Result(total, total / sendSeconds, latencies[..count], total - count - failures, failures);

        async Task Background(string backgroundRoute, object body, int requestsPerSecond, CancellationToken stop)
        {
            var pending = new List<Task<HttpResponseMessage>>();
            var ticks = (double)Stopwatch.Frequency / requestsPerSecond;
            var start = Stopwatch.GetTimestamp();
            for (var sent = 0; !stop.IsCancellationRequested;)
            {
                var due = (long)((Stopwatch.GetTimestamp() - start) / ticks) + 1;
                for (; sent < due; sent++)
                {
                    pending.Add(http.PostAsJsonAsync(backgroundRoute, body));
                }

                await Task.Delay(2);
            }

            foreach (var response in await Task.WhenAll(pending))
            {
                response.Dispose();
            }
        }

        async Task Send(int key)
        {
            sentAt[key].Enqueue(Stopwatch.GetTimestamp());
            using var response = await http.PostAsJsonAsync(route, new { deviceId = 1, eventId = key });
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref failures);
            }
        }
    }

    public sealed class Result(int sent, double achievedRate, double[] latencies, int lost, int failed)
    {
        private readonly double[] _sorted = latencies.Order().ToArray();

        public int Sent { get; } = sent;

        public double AchievedRate { get; } = achievedRate;

        public int Lost { get; } = lost + failed;

        public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

        public double P(double percentile) =>
            _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

        public override string ToString() =>
            $"p50 {P(50):F2} ms  p99 {P(99):F2} ms  p99.9 {P(99.9):F2} ms  max {Max:F2} ms  ({AchievedRate:N0}/s, lost {Lost})";
    }
}
