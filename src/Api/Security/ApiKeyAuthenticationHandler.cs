using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace GicService.Api.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer &lt;key&gt;</c> against <c>Auth:Keys</c> (on the hub also SignalR's
/// <c>access_token</c> query parameter, since browsers cannot set headers on a WebSocket). With no keys
/// configured every caller is an anonymous admin, but only on loopback unless <c>Auth:AllowAnonymous</c> says so.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRing keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!keys.HasKeys)
        {
            return Task.FromResult(keys.AllowAnonymous || IsLoopback(Context.Connection.LocalIpAddress)
                ? Success(ApiKeyRing.Anonymous)
                : AuthenticateResult.Fail("No API keys are configured and the request did not arrive on loopback; set Auth:Keys."));
        }

        ReadOnlySpan<char> presented = default;
        var header = Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
            {
                return Task.FromResult(AuthenticateResult.Fail("The Authorization header must be 'Bearer <key>'."));
            }

            presented = header.AsSpan(BearerPrefix.Length).Trim();
        }
        else if (Request.Path.StartsWithSegments(HubPaths.Root) && Request.Query["access_token"] is [{ } token])
        {
            presented = token;
        }

        if (presented.IsEmpty)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (keys.Find(presented) is not { } key)
        {
            return Task.FromResult(AuthenticateResult.Fail("The API key is not known."));
        }

        Context.Features.Set(key); // the rate limiter's partition, without looking at claims again
        return Task.FromResult(Success(key));
    }

    private AuthenticateResult Success(ApiKey key) =>
        AuthenticateResult.Success(new AuthenticationTicket(key.Principal, Scheme.Name));

    /// <summary>No address at all is an in-process caller (the test server): as local as loopback.</summary>
    private static bool IsLoopback(IPAddress? address) => address is null || IPAddress.IsLoopback(address);
}

/// <summary>Paths under which the query-string token is accepted.</summary>
public static class HubPaths
{
    public const string Root = "/hubs";
}
