using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Mvc;
using GicService.Api.Problems;

namespace GicService.Api.Security;

/// <summary>Answers a refused request with a 401 or 403 RFC 9457 problem that says why.</summary>
public sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            var failure = (await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName)).Failure?.Message; // cached by the handler
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteAsync(context, StatusCodes.Status401Unauthorized, ProblemTypes.Unauthorized, "Authentication required",
                failure ?? "This route needs an API key: send 'Authorization: Bearer <key>' (the hub: the access_token query parameter).");
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToList() ?? [];
            if (authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<Microsoft.AspNetCore.Authorization.Infrastructure.RolesAuthorizationRequirement>().FirstOrDefault() is { } roles)
            {
                reasons.Insert(0, $"{context.Request.Method} {context.Request.Path} needs the role {roles.AllowedRoles.First()}; this key is {KeyRole(context)}.");
            }

            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await WriteAsync(context, StatusCodes.Status403Forbidden, ProblemTypes.Forbidden, "Not allowed for this key",
                reasons.Count > 0 ? string.Join(" ", reasons) : "This key may not use this route.");
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    private static string KeyRole(HttpContext context) =>
        GicRoles.All.LastOrDefault(context.User.IsInRole) is { } role ? $"'{context.User.Identity?.Name}' ({role})" : "without a role";

    private async Task WriteAsync(HttpContext context, int status, string type, string title, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail },
        });
}
