using System.Net;
using System.Text.Json.Nodes;
using GicService.Api.Tests.Gicv4;
using GicService.Api.Tests.Support;
using static GicService.Api.Tests.Support.GicClient;

namespace GicService.Api.Tests.Observability;

/// <summary>
/// <c>GET /metrics</c> after real traffic: MSIs delivered and dropped, guest ITS commands (ok and failing), a VLPI
/// delivery and a doorbell on a GICv4.1 host, host ITS commands, a hub subscriber, HTTP requests and journal commits.
/// Counts are the difference between a scrape before and one after.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests(MetricsServiceFactory factory) : IClassFixture<MetricsServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Fact]
    public async Task Metrics_CountEachFabricOutcomeWithItsTags_AfterRealTraffic()
    {
        var before = await PrometheusText.Scrape(_client.Http);
        var g = await Gicv4Setup.Create(_client, "v4.1");

        // A device the guest maps itself (not VFIO): three MSIs delivered, one dropped for want of a translation.
        await g.RunOk(Mapd(9, size: 1), Mapti(9, 0, 8200, 0));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("pending", (string)(await _client.Post($"{g.Vm}/msi", new { deviceId = 9, eventId = 0 }))["outcome"]!);
        }

        Assert.Equal("dropped", (string)(await _client.Post($"{g.Vm}/msi", new { deviceId = 9, eventId = 1 }))["outcome"]!);

        // Guest commands: an INT that succeeds and one that fails.
        var results = await g.Run(Cmd("INT", 9, 0), Cmd("INT", 10, 0));
        Assert.Equal(["ok", "error"], results.Select(r => Status(r!)));

        // A VLPI delivered to the resident vCPU 0; then vCPU 1 blocks (WFI) and its VLPI rings the doorbell.
        Assert.Equal("delivered", (string)(await g.Trigger(0))["outcome"]!);
        await _client.Post($"{g.Vm}/vcpus/1/block");
        var parked = await g.Trigger(2);
        Assert.True((bool)parked["doorbell"]!, Text(parked));

        var events = await g.EventsAfter(0);
        var after = await PrometheusText.Scrape(_client.Http);
        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);

        Assert.Equal(3, Delta("gicservice_msis_total", ("path", "signal"), ("outcome", "delivered"), ("reason", "none")));
        Assert.Equal(1, Delta("gicservice_msis_total", ("path", "signal"), ("outcome", "dropped"), ("reason", "INT_UNMAPPED_INTERRUPT")));
        Assert.Equal(1, Delta("gicservice_msis_total", ("path", "int"), ("outcome", "delivered"), ("reason", "none")));
        Assert.Equal(1, Delta("gicservice_msis_total", ("path", "int"), ("outcome", "dropped"), ("reason", "INT_UNMAPPED_INTERRUPT")));
        Assert.Equal(6, Delta("gicservice_msis_total"));

        Assert.Equal(1, Delta("gicservice_its_commands_total", ("op", "INT"), ("status", "ok"), ("error", "none")));
        Assert.Equal(1, Delta("gicservice_its_commands_total", ("op", "INT"), ("status", "error"), ("error", "INT_UNMAPPED_INTERRUPT")));
        var guestCommands = events.Where(e => (string)e["type"]! is "ItsCommandProcessed" or "ItsCommandError").ToList();
        Assert.Equal(guestCommands.Count, Delta("gicservice_its_commands_total"));
        Assert.Equal(guestCommands.Count(e => (string)e["op"]! == "MAPTI"), Delta("gicservice_its_commands_total", ("op", "MAPTI"), ("error", "none")));

        Assert.Equal(events.OfType("VlpiDelivered").Count, Delta("gicservice_vlpis_delivered_total"));
        Assert.Equal(1, Delta("gicservice_vlpis_delivered_total", ("when", "resident")));
        Assert.Equal(1, Delta("gicservice_doorbells_total", ("gic", "v4.1")));
        Assert.Single(events.OfType("DoorbellFired"));

        var hostCommands = events.OfType("HostItsCommand");
        Assert.NotEmpty(hostCommands);
        Assert.Equal(hostCommands.Count, Delta("gicservice_host_its_commands_total"));
        foreach (var op in hostCommands.Select(e => (string)e["op"]!).Distinct())
        {
            Assert.Equal(hostCommands.Count(e => (string)e["op"]! == op), Delta("gicservice_host_its_commands_total", ("op", op)));
        }

        // ASP.NET Core's request duration, by route template, and the journal's group commits.
        Assert.Equal(4, Delta("http_server_request_duration_seconds_count",
            ("http_request_method", "POST"), ("http_route", "/api/hosts/{hostId}/vms/{vmId}/msi"), ("http_response_status_code", "200")));
        Assert.True(Delta("gicservice_journal_commit_duration_seconds_count", ("outcome", "committed")) > 0, after.Text);
        Assert.True(after.Has("gicservice_journal_commit_duration_seconds_bucket"), "commit latency is a histogram");
        Assert.True(Delta("gicservice_journal_commit_inputs_sum") >= 10, "every input of this test was journaled");
    }

    [Fact]
    public async Task Metrics_ReportHubSubscriptionsAndTheirLag_WhileASubscriberIsConnected()
    {
        var (hostId, vm) = await _client.CreateHostAndVm();
        for (var i = 0; i < 5; i++)
        {
            await _client.Post($"{vm}/msi", new { deviceId = 1, eventId = i });
        }

        var lastSeq = await _client.LastSeq(hostId);
        await using (var subscriber = await HubSubscriber.Connect(factory.BaseAddress))
        {
            await subscriber.Subscribe(hostId, 0);
            HubSubscriber.AssertContiguous(await subscriber.WaitFor(lastSeq), 1, lastSeq);

            var scrape = await Eventually(s => s.Sum("gicservice_hub_lag_max") == 0);
            Assert.Equal(1, scrape.Sum("gicservice_hub_subscriptions"));
            Assert.Equal(0, scrape.Sum("gicservice_hub_lag"));
        }

        Assert.Equal(0, (await Eventually(s => s.Sum("gicservice_hub_subscriptions") == 0)).Sum("gicservice_hub_lag"));
    }

    [Fact]
    public async Task Metrics_ReportTheLagOfASubscriberThatStopsReading_AndItsRecovery()
    {
        var burst = await EventBurst.Create(_client);
        var start = await burst.LastSeq();
        var subscriber = await HubSubscriber.Connect(factory.BaseAddress);
        await subscriber.Subscribe(burst.HostId, start);
        subscriber.Stall(); // its receive loop stops: the socket's buffers fill, then its pump waits

        // How many events the socket buffers absorb depends on the kernel: add more until the lag shows.
        long end = start;
        PrometheusText? lagging = null;
        for (var round = 0; round < 10 && lagging is null; round++)
        {
            end = await burst.Add(10_000);
            var scrape = await PrometheusText.Scrape(_client.Http);
            lagging = scrape.Sum("gicservice_hub_lag_max") > 0 ? scrape : null;
        }

        Assert.NotNull(lagging);
        Assert.InRange(lagging.Sum("gicservice_hub_lag"), 1, end - start);

        subscriber.Resume();
        await subscriber.WaitFor(end);
        await Eventually(s => s.Sum("gicservice_hub_lag_max") == 0);
        await subscriber.DisposeAsync();
        await Eventually(s => s.Sum("gicservice_hub_subscriptions") == 0); // gone before the next test counts
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds (a pump finishes its send just after the client has the event), for at most 10 s.</summary>
    private async Task<PrometheusText> Eventually(Func<PrometheusText, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await PrometheusText.Scrape(_client.Http);
            if (condition(scrape))
            {
                return scrape;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the condition did not hold within 10 s:\n{scrape.Text}");
            await Task.Delay(20);
        }
    }
}
