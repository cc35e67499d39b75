using Microsoft.AspNetCore.Authorization;

namespace GicService.Api.Security;

/// <summary>The route's <c>{hostId}</c>, when there is one, must be within the caller's host scope.</summary>
public sealed class HostScopeRequirement : AuthorizationHandler<HostScopeRequirement>, IAuthorizationRequirement
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, HostScopeRequirement requirement)
    {
        if (context.Resource is not HttpContext http || http.GetRouteValue("hostId") is not string hostId || context.User.MayAccessHost(hostId))
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, $"Host '{hostId}' is outside this key's scope."));
        }

        return Task.CompletedTask;
    }
}
