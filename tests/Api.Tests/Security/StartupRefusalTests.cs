using GicService.Api.Tests.Support;
using Microsoft.Extensions.Options;

namespace GicService.Api.Tests.Security;

/// <summary>An exposed service without keys does not start by accident; bad keys do not start at all.</summary>
public sealed class StartupRefusalTests
{
    [Fact]
    public async Task ListeningBeyondLoopback_WithoutKeys_RefusesToStart_WithAClearMessage()
    {
        var data = GicServiceFactory.NewDataDirectory();
        try
        {
            await using var service = ServiceProcess.LaunchOnAllAddresses(data);
            var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(60));

            Assert.NotEqual(0, exitCode);
            Assert.Contains("Refusing to start", service.Output);
            Assert.Contains("Auth:AllowAnonymous", service.Output);
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(data);
        }
    }

    [Fact]
    public async Task ListeningBeyondLoopback_WithAllowAnonymous_Starts()
    {
        var data = GicServiceFactory.NewDataDirectory();
        try
        {
            await using var service = ServiceProcess.LaunchOnAllAddresses(data, new Dictionary<string, string> { ["Auth__AllowAnonymous"] = "true" });
            await service.WaitUntilHealthyAsync();
            using var hosts = await service.Http.GetAsync("/api/hosts");
            Assert.Equal(System.Net.HttpStatusCode.OK, hosts.StatusCode);
        }
        finally
        {
            GicServiceFactory.DeleteDirectory(data);
        }
    }

    [Theory]
    [InlineData("Auth:Keys:0:Key", "short", "reader", "at least 16 characters")]
    [InlineData("Auth:Keys:0:KeyHash", "sha256:nothex", "reader", "64 hex digits")]
    [InlineData("Auth:Keys:0:Key", "a-long-enough-key-123", "root", "Role must be one of")]
    public void InvalidKeys_StopTheServiceFromStarting(string setting, string value, string role, string message)
    {
        using var factory = new GicServiceFactory { Settings = new Dictionary<string, string?> { [setting] = value, ["Auth:Keys:0:Role"] = role } };
        var failure = Assert.Throws<OptionsValidationException>(() => factory.CreateClient());
        Assert.Contains(message, failure.Message);
    }
}
