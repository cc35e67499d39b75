using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace GicService.Api.Security;

/// <summary>
/// Refuses to start a service that listens beyond loopback with no API keys, unless <c>Auth:AllowAnonymous</c>
/// is set on purpose. Runs once the server has bound its addresses, so it judges what is really listening;
/// until then (and always) the handler lets anonymous callers in only on loopback.
/// </summary>
public sealed class AnonymousAccessGuard(IServer server, IOptions<AuthOptions> options) : IHostedLifecycleService
{
    public Task StartedAsync(CancellationToken cancellationToken)
    {
        var auth = options.Value;
        if (auth.HasKeys || auth.AllowAnonymous)
        {
            return Task.CompletedTask;
        }

        var exposed = server.Features.Get<IServerAddressesFeature>()?.Addresses.Where(a => !IsLoopback(a)).ToList() ?? [];
        if (exposed.Count > 0)
        {
            throw new InvalidOperationException(
                $"Refusing to start: the service listens on {string.Join(", ", exposed)}, beyond loopback, and no API keys are configured. " +
                "Configure Auth:Keys (docs/access-control-and-limits.md), listen on 127.0.0.1 only, or set Auth:AllowAnonymous=true to allow anonymous access on purpose.");
        }

        return Task.CompletedTask;
    }

    internal static bool IsLoopback(string address)
    {
        if (!Uri.TryCreate(address.Replace("://+", "://0.0.0.0").Replace("://*", "://0.0.0.0"), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
