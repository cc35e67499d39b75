using System.Net;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Endpoints;

public sealed class OperationsEndpointsTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Fact]
    public async Task Healthz_ReportsHealthy()
    {
        Assert.Equal("healthy", (string)(await _client.Get("/healthz"))["status"]!);
    }

    [Fact]
    public async Task SwaggerUi_IsServed()
    {
        using var response = await _client.Http.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task CommittedOpenApiYaml_EqualsTheGeneratedDocument()
    {
        var generated = (await _client.Http.GetStringAsync("/openapi/v1.yaml")).ReplaceLineEndings("\n");
        var committedPath = Path.Combine(AppContext.BaseDirectory, "openapi.yaml");
        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            var root = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(root, "GicService.sln")))
            {
                root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("GicService.sln not found above the test binaries.");
            }

            await File.WriteAllTextAsync(Path.Combine(root, "openapi.yaml"), generated);
            return;
        }

        var committed = File.Exists(committedPath) ? (await File.ReadAllTextAsync(committedPath)).ReplaceLineEndings("\n") : "";
        Assert.True(committed == generated,
            "openapi.yaml differs from what the service generates; regenerate it with UPDATE_OPENAPI=1 dotnet test --filter CommittedOpenApiYaml");
    }

    [Fact]
    public async Task Events_ArePagedInOrderWithoutGaps()
    {
        var (hostId, vm) = await _client.CreateHostAndVm();
        for (var i = 0; i < 5; i++)
        {
            await _client.Post($"{vm}/msi", new { deviceId = 1, eventId = i });
        }

        var all = new List<long>();
        long after = 0;
        while (true)
        {
            var page = await _client.Get($"/api/hosts/{hostId}/events?after={after}&limit=3");
            var seqs = page["events"]!.AsArray().Select(e => (long)e!["seq"]!).ToList();
            if (seqs.Count == 0)
            {
                Assert.Equal(after, (long)page["lastSeq"]!);
                break;
            }

            all.AddRange(seqs);
            after = seqs[^1];
        }

        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all);
    }
}
