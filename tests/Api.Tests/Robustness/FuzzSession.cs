using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Serialization;

namespace GicService.Api.Tests.Robustness;

/// <summary>Counts of what the fuzz sent and got back, shared by every session.</summary>
public sealed class FuzzStatistics
{
    private long _requests;
    private long _setupRequests;
    private long _fullChecks;
    private long _samples;

    public ConcurrentDictionary<int, long> ByStatus { get; } = new();

    public ConcurrentDictionary<string, ConcurrentDictionary<int, long>> ByRoute { get; } = new();

    public long Requests => Interlocked.Read(ref _requests);

    public long SetupRequests => Interlocked.Read(ref _setupRequests);

    public long FullChecks => Interlocked.Read(ref _fullChecks);

    public long Samples => Interlocked.Read(ref _samples);

    public void Count(FuzzRequest request, int status)
    {
        Interlocked.Increment(ref _requests);
        ByStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        ByRoute.GetOrAdd(request.Route, _ => new()).AddOrUpdate(status, 1, (_, n) => n + 1);
    }

    /// <summary>Problem details by route and status (with FUZZ_VERBOSE=1), to see what the generators mostly trip on.</summary>
    public ConcurrentDictionary<string, long>? Details { get; init; }

    public void CountDetail(FuzzRequest request, int status, string text)
    {
        if (Details is null || status < 400)
        {
            return;
        }

        string detail;
        try
        {
            var problem = JsonNode.Parse(text);
            detail = $"{problem?["detail"]} {problem?["errors"]?.ToJsonString()}";
        }
        catch (JsonException)
        {
            detail = text;
        }

        detail = System.Text.RegularExpressions.Regex.Replace(detail, "[0-9]+", "N");
        Details.AddOrUpdate($"{request.Route} {status} {(detail.Length > 160 ? detail[..160] : detail)}", 1, (_, n) => n + 1);
    }

    public void CountSetup() => Interlocked.Increment(ref _setupRequests);

    public void CountFullCheck() => Interlocked.Increment(ref _fullChecks);

    public void CountSample() => Interlocked.Increment(ref _samples);

    public string Summary(TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.AppendLine($"{Requests:N0} fuzzed requests in {Samples:N0} sessions (+{SetupRequests:N0} warm-up requests) in {elapsed.TotalSeconds:F1} s, " +
            $"{Requests / Math.Max(elapsed.TotalSeconds, 0.001):N0} requests/s; {FullChecks:N0} whole-state before/after comparisons");
        text.AppendLine("by status: " + string.Join(", ", ByStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value:N0}")));
        foreach (var (route, statuses) in ByRoute.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            text.AppendLine($"  {route,-30} " + string.Join(", ", statuses.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value:N0}")));
        }

        foreach (var (detail, count) in (Details ?? new()).OrderByDescending(p => p.Value).Take(60))
        {
            text.AppendLine($"  {count,7:N0} {detail}");
        }

        return text.ToString();
    }
}

/// <summary>
/// Runs one <see cref="FuzzSample"/> on a fresh host: a warm-up that builds a realistic state (a ready VM with
/// devices mapped, collections on every vCPU, a VFIO function whose four vectors are forwarded as VLPIs,
/// three vCPUs running; a bare VM), then the sample's requests one at a time. After each request: no 5xx;
/// every error is an RFC 9457 problem; a GET or a rejected (4xx) request leaves the event log where it was
/// and, in full-check samples, the host's whole state (its snapshot: every VM, register, table, guest RAM
/// page, LPI, vCPU, vPE, VLPI, VFIO vector) exactly as it was. At the end the domain invariants hold.
/// </summary>
public sealed class FuzzSession(HttpClient http, HostRegistry hosts, FuzzStatistics statistics, bool? checkReplays = null)
{
    private readonly bool _checkReplays = checkReplays ?? CheckReplays;

    public async Task RunAsync(FuzzSample sample)
    {
        var hostId = $"fz-{Guid.NewGuid():N}"[..20];
        await WarmUpAsync(hostId, sample);
        var runner = hosts.Find(hostId) ?? throw new InvalidOperationException($"host {hostId} vanished");
        for (var i = 0; i < sample.Requests.Length; i++)
        {
            var request = sample.Requests[i];
            var seqBefore = runner.Log.LastSeq;
            var before = sample.FullCheck ? await StateAsync(runner) : null;
            var (status, mediaType, text) = await SendAsync(request, hostId);
            statistics.Count(request, status);
            statistics.CountDetail(request, status, text);
            string Where() => $"request [{i}] {request}\n-> {status} {mediaType}: {Truncate(text)}";

            if (status >= 500)
            {
                throw new FuzzFailure($"a 5xx answer. {Where()}");
            }

            if (status == 400 && text.Length == 0 && request.Path.Contains("%00", StringComparison.Ordinal))
            {
                // Kestrel refuses a path with an encoded NUL while parsing the request line, before the
                // application (and so its problem details) runs: a bare 400 is all it can be.
            }
            else if (status >= 400)
            {
                AssertProblem(status, mediaType, text, Where);
            }

            if (status >= 400 || request.IsRead)
            {
                if (runner.Log.LastSeq != seqBefore)
                {
                    throw new FuzzFailure($"a {(status >= 400 ? "rejected request" : "GET")} added events (lastSeq {seqBefore} -> {runner.Log.LastSeq}). {Where()}");
                }

                if (before is not null)
                {
                    statistics.CountFullCheck();
                    var after = await StateAsync(runner);
                    if (after != before)
                    {
                        throw new FuzzFailure($"a {(status >= 400 ? "rejected request" : "GET")} changed the host's state: {FirstDifference(before, after)}. {Where()}");
                    }
                }
            }

            await CleanUpAsync(request, status, text, runner);
        }

        var violations = await runner.ReadAsync(host => host.CheckInvariants());
        if (violations.Count > 0)
        {
            throw new FuzzFailure($"invariants broken after the session: {string.Join("; ", violations)}");
        }

        await SetupAsync(HttpMethod.Delete, $"/api/hosts/{hostId}", null, HttpStatusCode.NoContent);
        statistics.CountSample();
    }

    /// <summary>The warm-up of Durability/RandomHttpSession, on a host of the sample's GIC version.</summary>
    private async Task WarmUpAsync(string hostId, FuzzSample sample)
    {
        var host = $"/api/hosts/{hostId}";
        object body = sample.DirectLpi
            ? new { id = hostId, pcpus = 4, gicVersion = sample.GicVersion, hostIts = new { directLpi = true } }
            : new { id = hostId, pcpus = 4, gicVersion = sample.GicVersion };
        await SetupAsync(HttpMethod.Post, "/api/hosts", body, HttpStatusCode.Created);
        await SetupAsync(HttpMethod.Post, $"{host}/vms", new { id = "vm1", vcpus = 4, memoryMiB = 16 }, HttpStatusCode.Created);
        await SetupAsync(HttpMethod.Post, $"{host}/vms", new { id = "vm2", vcpus = 2, memoryMiB = 8, setup = "bare" }, HttpStatusCode.Created);
        var commands = new List<object>();
        for (uint d = 0; d < 4; d++)
        {
            commands.Add(new { op = "MAPD", deviceId = d, size = 2, valid = true });
            commands.Add(new { op = "MAPC", collectionId = d, rdBase = d, valid = true });
            for (uint e = 0; e < 4; e++)
            {
                commands.Add(new { op = "MAPTI", deviceId = d, eventId = e, intId = 8192 + (d * 4 + e) % 12, collectionId = e });
            }
        }

        var results = await SetupAsync(HttpMethod.Post, $"{host}/vms/vm1/its/commands", new { commands }, HttpStatusCode.OK);
        Assert.All(results!["results"]!.AsArray(), r => Assert.Equal("ok", (string)r!["status"]!));
        await SetupAsync(HttpMethod.Post, $"{host}/vfio/devices", new { id = "dev1", bdf = "0000:01:00.0", vectors = 4, vmId = "vm1", guestDeviceId = 1 }, HttpStatusCode.Created);
        for (var v = 0; v < 4; v++)
        {
            var vector = await SetupAsync(HttpMethod.Put, $"{host}/vfio/devices/dev1/msix/{v}", new { address = FuzzRequests.Translater, data = v, masked = false }, HttpStatusCode.OK);
            Assert.Equal("vlpi", (string)vector!["forwarding"]!);
        }

        for (var v = 0; v < 3; v++)
        {
            await SetupAsync(HttpMethod.Post, $"{host}/vms/vm1/vcpus/{v}/load", new { pcpu = v }, HttpStatusCode.OK);
        }
    }

    private Task<JsonNode?> SetupAsync(HttpMethod method, string route, object? body, HttpStatusCode expected) =>
        SetupAsync(method, route, body, [expected]);

    private async Task<JsonNode?> SetupAsync(HttpMethod method, string route, object? body, HttpStatusCode[] expected)
    {
        statistics.CountSetup();
        using var request = new HttpRequestMessage(method, route) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body) };
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected.Contains(response.StatusCode), $"warm-up {method} {route}: {(int)response.StatusCode} {text}");
        return text.Length > 0 ? JsonNode.Parse(text) : null;
    }

    private async Task<(int Status, string? MediaType, string Text)> SendAsync(FuzzRequest request, string hostId)
    {
        var path = request.Path.Replace("{h}", hostId).Replace("{new}", NewId());
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), path);
        if (request.Body is { } body)
        {
            body = body.Replace("{new}", NewId()).Replace("{h}", hostId);
            if (body is "{trace}" or "{trace-mutated}")
            {
                body = await TraceAsync(hostId, mutate: body == "{trace-mutated}");
            }

            var content = new ByteArrayContent(request.Latin1 ? Encoding.Latin1.GetBytes(body) : Encoding.UTF8.GetBytes(body));
            if (request.ContentType is { } type)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", type);
            }

            message.Content = content;
        }

        using var response = await http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
    }

    /// <summary>The host's trace, or the same with its input count off by one (which replay must refuse).</summary>
    private async Task<string> TraceAsync(string hostId, bool mutate)
    {
        statistics.CountSetup();
        var trace = await http.GetStringAsync($"/api/hosts/{hostId}/trace");
        if (!mutate)
        {
            return trace;
        }

        var node = JsonNode.Parse(trace)!.AsObject();
        node["inputCount"] = (long)node["inputCount"]! + 1;
        return node.ToJsonString();
    }

    /// <summary>
    /// A host replayed from the session host's trace must be that host again (same state, same events); on by
    /// default, <c>FUZZ_REPLAY_CHECK=0</c> turns it off. A failure prints the first event that differs.
    /// </summary>
    public static bool CheckReplays { get; } = Environment.GetEnvironmentVariable("FUZZ_REPLAY_CHECK") != "0";

    /// <summary>
    /// Whether no other session can reach a host with this id: one the service assigned (<c>h{n}</c>) or one the
    /// session made from <c>{new}</c> (<c>n-</c> and 16 hex digits). Any other id a request creates a host under comes
    /// from the junk generators ("x", "1e3", "a.b", ...), which every session also draws host path segments from: while
    /// such a host lives, the other sessions' requests reach it (write its guest RAM, signal MSIs, delete it).
    /// </summary>
    public static bool IsOwnHostId(string id) => OwnHostId.IsMatch(id);

    private static readonly System.Text.RegularExpressions.Regex OwnHostId = new("^(h[0-9]+|n-[0-9a-f]{16})$");

    /// <summary>
    /// Hosts created by a request are deleted again, so sessions stay small. A replay of the session host's trace is
    /// first compared with it, unless another session may have reached it; a host under a shared id may be gone already.
    /// </summary>
    private async Task CleanUpAsync(FuzzRequest request, int status, string text, HostRunner session)
    {
        if (status == 201 && request.Method == "POST" && (request.Path == "/api/hosts" || request.Path.StartsWith("/api/hosts/replay", StringComparison.Ordinal)))
        {
            var id = (string)JsonNode.Parse(text)!["id"]!;
            var own = IsOwnHostId(id);
            if (_checkReplays && own && request.Body == "{trace}" && hosts.Find(id) is { } replayed)
            {
                var (original, copy) = (await StateAsync(session, anonymous: true), await StateAsync(replayed, anonymous: true));
                if (original != copy)
                {
                    throw new FuzzFailure($"the host replayed from the session host's trace differs from it: {FirstDifference(original, copy)}.\n" +
                        $"{FirstEventDifference(session, replayed)}\nrequest {request}");
                }
            }

            await SetupAsync(HttpMethod.Delete, $"/api/hosts/{id}", null, own ? [HttpStatusCode.NoContent] : [HttpStatusCode.NoContent, HttpStatusCode.NotFound]);
        }
    }

    /// <summary>
    /// The host's whole state between two inputs: the event log's last seq, its snapshot's JSON with guest RAM
    /// left out, and a hash of every populated page of guest RAM (serialising the pages would cost the most).
    /// </summary>
    private static Task<string> StateAsync(HostRunner runner, bool anonymous = false) => runner.ReadAsync(host =>
    {
        var snapshot = host.TakeSnapshot();
        if (anonymous)
        {
            snapshot = snapshot with { Configuration = snapshot.Configuration with { Id = "host" } };
        }

        using var pages = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var vm in snapshot.Vms)
        {
            pages.AppendData(Encoding.UTF8.GetBytes(vm.Id));
            foreach (var page in vm.Pages)
            {
                pages.AppendData(BitConverter.GetBytes(page.Number));
                pages.AppendData(page.Data);
            }
        }

        var rest = snapshot with { Vms = snapshot.Vms.Select(vm => vm with { Pages = [] }).ToList() };
        return $"lastSeq={runner.Log.LastSeq}\npages={Convert.ToHexString(pages.GetHashAndReset())}\n{JsonSerializer.Serialize(rest, GicJson.Options)}";
    });

    private static void AssertProblem(int status, string? mediaType, string text, Func<string> where)
    {
        if (mediaType != "application/problem+json")
        {
            throw new FuzzFailure($"an error that is not application/problem+json. {where()}");
        }

        JsonNode? problem;
        try
        {
            problem = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            throw new FuzzFailure($"a problem body that is not JSON ({e.Message}). {where()}");
        }

        if (problem is not JsonObject o
            || o["type"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String || !((string)type!).StartsWith("/problems/", StringComparison.Ordinal)
            || o["title"] is not JsonValue title || title.GetValueKind() != JsonValueKind.String || ((string)title!).Length == 0
            || o["status"] is not JsonValue s || s.GetValueKind() != JsonValueKind.Number || (int)s != status)
        {
            throw new FuzzFailure($"a problem without type, title and a status equal to the HTTP status. {where()}");
        }
    }

    private static string FirstDifference(string before, string after)
    {
        var i = 0;
        while (i < before.Length && i < after.Length && before[i] == after[i])
        {
            i++;
        }

        var from = Math.Max(0, i - 200);
        return $"at char {i}: before ...{before[from..Math.Min(before.Length, i + 200)]}... after ...{after[from..Math.Min(after.Length, i + 200)]}...";
    }

    /// <summary>The first event where two hosts' logs differ (host ids aside), with the events before it.</summary>
    private static string FirstEventDifference(HostRunner a, HostRunner b)
    {
        static string Text(Domain.Events.FabricEvent e) =>
            JsonSerializer.Serialize(Contracts.FabricEventResponse.From(e), JsonSerializerOptions.Web).Replace(e.HostId, "host");
        var (left, right) = (a.Log.After(0, int.MaxValue).Select(Text).ToList(), b.Log.After(0, int.MaxValue).Select(Text).ToList());
        for (var i = 0; i < Math.Max(left.Count, right.Count); i++)
        {
            var (l, r) = (i < left.Count ? left[i] : "(none)", i < right.Count ? right[i] : "(none)");
            if (l != r)
            {
                return $"first different event, seq {i + 1}:\n  original {l}\n  replayed {r}\n  before it:\n    " + string.Join("\n    ", left.Skip(Math.Max(0, i - 8)).Take(Math.Min(i, 8)));
            }
        }

        return "the event logs are equal";
    }

    private static string Truncate(string text) => text.Length > 600 ? text[..600] + "..." : text;

    private static string NewId() => $"n-{Guid.NewGuid():N}"[..18];
}

/// <summary>A property of the fuzz that did not hold; the message names the request and the answer.</summary>
public sealed class FuzzFailure(string message) : Exception(message);
