using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Durability;

/// <summary>A trace replays exactly: the same inputs, in the same order, give the same events with the same seq.</summary>
public sealed class TraceReplayTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private static readonly string[] InputKinds =
    [
        "AcknowledgeInterrupt", "AssignVfioDevice", "BlockVcpu", "CreateVm", "DeleteVm", "LoadVcpu", "ProcessItsCommands", "ProgramMsixVector",
        "PutVcpu", "ResetIts", "RestoreItsTables", "SaveItsTables", "SetForwarding", "SetLpiConfig", "SignalMsi", "TriggerMsixVector",
        "UnblockVcpu", "UnsetForwarding", "WriteGuestMemory", "WriteItsRegister", "WriteRedistributorRegister",
    ];

    private readonly GicClient _client = new(factory.CreateClient());

    [Theory]
    [InlineData("v4.0", 1)]
    [InlineData("v4.1", 2)]
    public async Task Replay_YieldsTheSameEventStream_ForALongRandomSessionOfEveryInputKind(string gicVersion, int seed)
    {
        var hostId = GicClient.NewId("rec");
        await _client.Post("/api/hosts", new { id = hostId, pcpus = 4, gicVersion, remapHint = seed == 2 }, HttpStatusCode.Created);
        var session = new RandomHttpSession(_client.Http, hostId, seed);
        await session.WarmUpAsync();
        await session.RunAsync(600);

        var trace = await _client.Get($"/api/hosts/{hostId}/trace");
        var inputs = trace["inputs"]!.AsArray();
        Assert.Equal("gicservice-trace", (string)trace["format"]!);
        Assert.Equal(inputs.Count, (long)trace["inputCount"]!);
        Assert.Equal(string.Join(", ", InputKinds), string.Join(", ", inputs.Select(i => (string)i!["type"]!).Distinct().Order(StringComparer.Ordinal)));
        Assert.Contains(inputs, i => (bool?)i!["rejected"] == true);

        var replayId = GicClient.NewId("rep");
        var created = await _client.Send(HttpMethod.Post, $"/api/hosts/replay?id={replayId}", trace.ToJsonString(), HttpStatusCode.Created);
        Assert.Equal(replayId, (string)created["id"]!);

        var original = await Events(hostId);
        Assert.True(original.Count > 600, $"the session should publish plenty of events ({original.Count})");
        Assert.Equal(original, await Events(replayId));

        // The replayed host records the same trace in turn.
        var again = await _client.Get($"/api/hosts/{replayId}/trace");
        Assert.Equal(GicClient.Text(trace["inputs"]!), GicClient.Text(again["inputs"]!));
    }

    [Fact]
    public async Task Replay_OnAnotherService_RebuildsTheHostUnderItsOwnId()
    {
        var hostId = GicClient.NewId("src");
        await _client.Post("/api/hosts", new { id = hostId, pcpus = 4, gicVersion = "v4.1" }, HttpStatusCode.Created);
        var session = new RandomHttpSession(_client.Http, hostId, 3);
        await session.WarmUpAsync();
        await session.RunAsync(150);
        var trace = (await _client.Get($"/api/hosts/{hostId}/trace")).ToJsonString();

        await using var elsewhere = new GicServiceFactory();
        var other = new GicClient(elsewhere.CreateClient());
        await other.Send(HttpMethod.Post, $"/api/hosts/replay?id={hostId}", trace, HttpStatusCode.Created);
        Assert.Equal(await Events(hostId, keepHostId: true), await Events(other, hostId, keepHostId: true));
        Assert.Equal(GicClient.Text(await _client.Get($"/api/hosts/{hostId}")), GicClient.Text(await other.Get($"/api/hosts/{hostId}")));
    }

    [Fact]
    public async Task Replay_WithoutAnId_CreatesANewHost_AndAnExistingIdConflicts()
    {
        var hostId = GicClient.NewId("src");
        await _client.Post("/api/hosts", new { id = hostId, pcpus = 2 }, HttpStatusCode.Created);
        await _client.Post($"/api/hosts/{hostId}/vms", new { id = "vm1", vcpus = 1 }, HttpStatusCode.Created);
        var trace = (await _client.Get($"/api/hosts/{hostId}/trace")).ToJsonString();

        var created = await _client.Send(HttpMethod.Post, "/api/hosts/replay", trace, HttpStatusCode.Created);
        Assert.NotEqual(hostId, (string)created["id"]!);
        Assert.Equal(["vm1"], created["vms"]!.AsArray().Select(v => (string)v!));

        var conflict = await _client.Send(HttpMethod.Post, $"/api/hosts/replay?id={hostId}", trace, HttpStatusCode.Conflict);
        Assert.Equal("/problems/conflict", (string)conflict["type"]!);
    }

    [Theory]
    [InlineData("""{"format":"gicservice-trace","version":1,"configuration":{"id":"x","pcpus":2,"gicVersion":"V4_0","hostDevBits":16,"hostIdBits":16,"directLpi":null,"remapHint":false,"preservePendingOnUnmap":false},"inputs":[{"type":"Teleport"}]}""", "inputs[0]")]
    [InlineData("""{"format":"gicservice-trace","version":1,"configuration":{"id":"x","pcpus":2,"gicVersion":"V4_0","hostDevBits":16,"hostIdBits":16,"directLpi":null,"remapHint":false,"preservePendingOnUnmap":false},"inputCount":2,"inputs":[{"type":"SignalMsi","vmId":"vm1","deviceId":1,"eventId":2}]}""", "truncated")]
    [InlineData("""{"format":"gicservice-trace","version":2,"inputs":[]}""", "version")]
    [InlineData("""{"format":"gicservice-trace","version":1,"configuration":{"id":"x","pcpus":2,"gicVersion":"V4_0"},"inputs":[""", "inputs: ")]
    public async Task Replay_RefusesAMalformedTrace_AndCreatesNothing(string body, string detail)
    {
        var before = (await _client.Get("/api/hosts"))["hosts"]!.AsArray().Count;
        var problem = await _client.Send(HttpMethod.Post, "/api/hosts/replay", body, HttpStatusCode.BadRequest);
        Assert.Equal("/problems/invalid-trace", (string)problem["type"]!);
        Assert.Contains(detail, (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(before, (await _client.Get("/api/hosts"))["hosts"]!.AsArray().Count);
    }

    [Fact]
    public async Task Trace_OfAnUnknownHost_IsNotFound()
    {
        var problem = await _client.Get("/api/hosts/no-such-host/trace", HttpStatusCode.NotFound);
        Assert.Equal("/problems/host-not-found", (string)problem["type"]!);
    }

    private Task<List<string>> Events(string hostId, bool keepHostId = false) => Events(_client, hostId, keepHostId);

    /// <summary>Every event of the host in order, as JSON text (type, fields, seq), without the host id unless asked.</summary>
    internal static async Task<List<string>> Events(GicClient client, string hostId, bool keepHostId = false)
    {
        var events = new List<string>();
        long after = 0;
        while (true)
        {
            var page = await client.Get($"/api/hosts/{hostId}/events?after={after}&limit=10000");
            var batch = page["events"]!.AsArray();
            if (batch.Count == 0)
            {
                Assert.Equal(after, (long)page["lastSeq"]!);
                return events;
            }

            foreach (var e in batch)
            {
                var copy = e!.DeepClone().AsObject();
                Assert.Equal(++after, (long)copy["seq"]!);
                if (!keepHostId)
                {
                    copy.Remove("hostId");
                }

                events.Add(copy.ToJsonString());
            }
        }
    }
}
