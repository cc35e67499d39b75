using System.Net;
using GicService.Api.Tests.Support;

namespace GicService.Api.Tests.Robustness;

/// <summary>What the HTTP fuzz (<see cref="HttpFuzzTests"/>) found, kept as plain regression tests.</summary>
public sealed class FuzzRegressionTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    private readonly GicClient _client = new(factory.CreateClient());

    [Theory]
    [InlineData("9223372036854775807")]
    [InlineData("9223372036854775806")]
    [InlineData("4294967296")]
    [InlineData("4294967300")]
    public async Task Events_AfterBeyondTheLastSeq_IsAnEmptyPage(string after)
    {
        // after=long.MaxValue overflowed seq + 1 in EventLog.After (a 500); after=2^32 + n truncated the offset
        // into the log to an int and answered the host's first events.
        var (hostId, _) = await _client.CreateHostAndVm();
        var lastSeq = await _client.LastSeq(hostId);

        var page = await _client.Get($"/api/hosts/{hostId}/events?after={after}&limit=10", HttpStatusCode.OK);

        Assert.Empty(page["events"]!.AsArray());
        Assert.Equal(lastSeq, (long)page["lastSeq"]!);
    }
}
