using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;

namespace GicService.Differential.Runs;

/// <summary>
/// Replays a stream GicService already ran in process through the real HTTP API (one
/// <c>POST .../its/commands</c> of raw commands on a fresh <c>setup: "ready"</c> VM) and checks that
/// every command's outcome and the final pending LPIs are the same as in process, where they were
/// compared with QEMU.
/// </summary>
public sealed class HttpShare(HttpClient http)
{
    private static long _hosts;

    public void Check(StreamResult run)
    {
        var hostId = $"diff-{Interlocked.Increment(ref _hosts)}";
        Send(HttpMethod.Post, "/api/hosts", new { id = hostId, pcpus = 4, gicVersion = "v4.0" }, HttpStatusCode.Created);
        try
        {
            var vm = $"/api/hosts/{hostId}/vms/{StreamRunner.VmId}";
            Send(HttpMethod.Post, $"/api/hosts/{hostId}/vms",
                new { id = StreamRunner.VmId, vcpus = run.Effective.Vcpus, memoryMiB = Streams.StreamLayout.MemoryMiB, setup = "ready" },
                HttpStatusCode.Created);

            var problems = new List<string>();
            if (run.Effective.QueueStart > 0)
            {
                var syncs = Enumerable.Repeat(new { raw = Convert.ToHexStringLower(Domain.Its.Commands.ItsCommandCodec.Encode(new Domain.Its.Commands.Sync(0))) }, run.Effective.QueueStart).ToList();
                Send(HttpMethod.Post, $"{vm}/its/commands", new { commands = syncs }, HttpStatusCode.OK);
            }

            // Consecutive commands go in one request, as a guest fills the queue; MSIs go to .../msi.
            var results = new List<JsonNode>();
            var steps = run.Effective.Steps;
            for (var start = 0; start < steps.Count;)
            {
                if (steps[start].Redistributor is { } write)
                {
                    Send(HttpMethod.Put, $"{vm}/vcpus/{write.Vcpu}/redistributor/GICR_CTLR", new { value = write.Enable ? 1 : 0 }, HttpStatusCode.OK);
                    results.Add(new JsonObject { ["status"] = "ok" });
                    start++;
                    continue;
                }

                if (steps[start] is { AsMsi: true, Command: Int msi } step)
                {
                    if (step.ItsDisabled)
                    {
                        Send(HttpMethod.Put, $"{vm}/its/registers/GITS_CTLR", new { value = 0 }, HttpStatusCode.OK);
                    }

                    results.Add(Send(HttpMethod.Post, $"{vm}/msi", new { deviceId = msi.DeviceId.Value, eventId = msi.EventId.Value }, HttpStatusCode.OK));
                    if (step.ItsDisabled)
                    {
                        Send(HttpMethod.Put, $"{vm}/its/registers/GITS_CTLR", new { value = 1 }, HttpStatusCode.OK);
                    }

                    start++;
                    continue;
                }

                var end = start;
                while (end < steps.Count && !steps[end].AsMsi && steps[end].Redistributor is null)
                {
                    end++;
                }

                var commands = steps.Skip(start).Take(end - start).Select(s => new { raw = Convert.ToHexStringLower(s.Encode()) }).ToList();
                results.AddRange(Send(HttpMethod.Post, $"{vm}/its/commands", new { commands }, HttpStatusCode.OK)["results"]!.AsArray().Select(r => r!));
                start = end;
            }

            if (results.Count != run.Results.Count)
            {
                problems.Add($"{results.Count} results over HTTP, {run.Results.Count} in process");
            }

            for (var i = 0; i < Math.Min(results.Count, run.Results.Count); i++)
            {
                var expected = Outcome(run.Results[i]);
                var actual = Outcome(results[i]);
                if (expected != actual)
                {
                    problems.Add($"[{i}] {steps[i]}: in process {expected}, over HTTP {actual}");
                }
            }

            var lpis = Send(HttpMethod.Get, $"{vm}/lpis", null, HttpStatusCode.OK)["lpis"]!.AsArray();
            var pending = new SortedSet<(long Vcpu, uint IntId)>(lpis
                .Where(l => (bool)l!["pending"]!)
                .Select(l => (l!["vcpu"] is { } v ? (long)(uint)v : -1L, (uint)l["intId"]!)));
            if (!pending.SetEquals(run.Pending))
            {
                problems.Add($"pending LPIs over HTTP {string.Join(",", pending)}, in process {string.Join(",", run.Pending)}");
            }

            if (problems.Count > 0)
            {
                throw new DifferentialMismatchException(
                    $"the HTTP API disagrees with the in-process domain on this stream:\n  {string.Join("\n  ", problems)}\n{run.Effective}");
            }
        }
        finally
        {
            Send(HttpMethod.Delete, $"/api/hosts/{hostId}", null, null);
        }
    }

    private static string Outcome(ProcessedCommand c) =>
        $"{c.Status.ToString().ToLowerInvariant()} {(c.ItsError is { } e ? e.Code() : string.Empty)} {(c.Errno is { } errno ? $"-{errno}" : string.Empty)}".Trim();

    /// <summary>A command result (<c>status</c>) or an MSI outcome (<c>outcome</c>: pending = ok, dropped = error).</summary>
    private static string Outcome(JsonNode c)
    {
        var status = (string?)c["status"] ?? ((string?)c["outcome"] == "pending" ? "ok" : "error");
        return $"{status} {(string?)c["itsError"]?["code"] ?? string.Empty} {(string?)c["errno"] ?? string.Empty}".Trim();
    }

    private JsonNode Send(HttpMethod method, string route, object? body, HttpStatusCode? expected)
    {
        using var request = new HttpRequestMessage(method, route);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = http.SendAsync(request).GetAwaiter().GetResult();
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if (expected is { } status && response.StatusCode != status)
        {
            throw new DifferentialMismatchException($"{method} {route}: expected {(int)status}, got {(int)response.StatusCode}: {text}");
        }

        return string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!;
    }
}
