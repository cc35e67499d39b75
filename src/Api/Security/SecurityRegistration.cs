using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace GicService.Api.Security;

public static class SecurityRegistration
{
    /// <summary>API-key authentication, the role policies and the start-up guard against an open, exposed service.</summary>
    public static IServiceCollection AddGicSecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyRing>();
        services.AddHostedService<AnonymousAccessGuard>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(GicPolicies.Read, Policy(GicRoles.Reader))
            .AddPolicy(GicPolicies.Operate, Policy(GicRoles.Operator))
            .AddPolicy(GicPolicies.Administer, Policy(GicRoles.Admin))
            .SetFallbackPolicy(Policy(GicRoles.Reader)); // /metrics, the hub, unknown routes: a reader's key at least
        return services;
    }

    private static AuthorizationPolicy Policy(string role) => new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser()
        .RequireRole(role)
        .AddRequirements(new HostScopeRequirement())
        .Build();

    /// <summary>
    /// Every endpoint of <paramref name="api"/> that says nothing itself needs a reader's key to GET and an
    /// operator's to change anything; create, delete and replay of hosts ask for admin where they are mapped.
    /// </summary>
    public static TBuilder RequireRoleByMethod<TBuilder>(this TBuilder api) where TBuilder : IEndpointConventionBuilder
    {
        api.Finally(endpoint =>
        {
            if (endpoint.Metadata.Any(m => m is IAuthorizeData or IAllowAnonymous))
            {
                return;
            }

            var reads = endpoint.Metadata.OfType<HttpMethodMetadata>().SelectMany(m => m.HttpMethods).All(m => m is "GET" or "HEAD");
            endpoint.Metadata.Add(new AuthorizeAttribute(reads ? GicPolicies.Read : GicPolicies.Operate));
        });
        return api;
    }
}
