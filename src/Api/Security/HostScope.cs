using System.Security.Claims;
using GicService.Api.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Security;

/// <summary>Which hosts a caller may touch: every host, or those its key lists (claims of type <see cref="ClaimType"/>).</summary>
public static class HostScope
{
    public const string ClaimType = "gic:host";

    /// <summary>Present on a principal whose key is limited to <see cref="ClaimType"/> hosts.</summary>
    public const string ScopedClaimType = "gic:scoped";

    public static bool IsScoped(this ClaimsPrincipal user) => user.HasClaim(c => c.Type == ScopedClaimType);

    public static bool MayAccessHost(this ClaimsPrincipal user, string hostId) =>
        !user.IsScoped() || user.HasClaim(c => c.Type == ClaimType && string.Equals(c.Value, hostId, StringComparison.Ordinal));

    /// <summary>
    /// A key scoped to some hosts may create (or replay into) only those: it must name the new host's id, and
    /// the id must be in scope. Null when <paramref name="hostId"/> is allowed.
    /// </summary>
    public static ProblemHttpResult? RefuseNewHost(this ClaimsPrincipal user, string? hostId) =>
        !user.IsScoped() || (hostId is not null && user.MayAccessHost(hostId))
            ? null
            : TypedResults.Problem(
                hostId is null
                    ? "This key is limited to some hosts: name the new host's id, one of the hosts in its scope."
                    : $"Host '{hostId}' is outside this key's scope.",
                statusCode: StatusCodes.Status403Forbidden, title: "Not allowed for this key", type: ProblemTypes.Forbidden);
}
