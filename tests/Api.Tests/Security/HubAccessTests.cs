using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.SignalR;

namespace GicService.Api.Tests.Security;

/// <summary>The hub takes the key as SignalR clients send it (access_token), lets readers in, and keeps each key to its hosts.</summary>
public sealed class HubAccessTests(SecuredService service) : IClassFixture<SecuredService>
{
    [Fact]
    public async Task Reader_WithAccessToken_SubscribesAndReceivesEvents()
    {
        await using var subscriber = await HubSubscriber.Connect(service.Factory.BaseAddress, accessToken: SecuredService.ReaderKey);
        var subscribed = await subscriber.Subscribe(SecuredService.OutOfScope, 0);
        Assert.True(subscribed.LastSeq > 0);
        var events = await subscriber.WaitFor(subscribed.LastSeq);
        HubSubscriber.AssertContiguous(events, 1, subscribed.LastSeq);
    }

    [Fact]
    public async Task ScopedKey_SubscribingToAHostOutsideItsScope_IsRefusedWithAHubError()
    {
        await using var subscriber = await HubSubscriber.Connect(service.Factory.BaseAddress, accessToken: SecuredService.OperatorKey);
        var refused = await Assert.ThrowsAsync<HubException>(() => subscriber.Subscribe(SecuredService.OutOfScope, 0));
        Assert.Contains("outside this key's scope", refused.Message);

        var allowed = await subscriber.Subscribe(SecuredService.InScope, 0);
        Assert.Equal(SecuredService.InScope, allowed.HostId);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-configured-key-at-all")]
    public async Task Connecting_WithoutAValidKey_IsRefusedWith401(string? key)
    {
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => HubSubscriber.Connect(service.Factory.BaseAddress, accessToken: key));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
