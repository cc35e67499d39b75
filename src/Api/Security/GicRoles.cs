namespace GicService.Api.Security;

/// <summary>
/// The three roles, each including the ones before it: a reader reads (every GET and the hub), an operator
/// also drives the hosts in its scope, an admin also creates, deletes and replays hosts.
/// </summary>
public static class GicRoles
{
    public const string Reader = "reader";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Reader, Operator, Admin];

    public static bool IsRole(string? role) => role is Reader or Operator or Admin;

    /// <summary>The role itself and every role it includes, as role claims.</summary>
    public static IEnumerable<string> Implied(string role) => All.Take(IndexOf(role) + 1);

    private static int IndexOf(string role) => role switch
    {
        Reader => 0,
        Operator => 1,
        Admin => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a role."),
    };
}

/// <summary>The authorization policies, one per role, each also checking the route's host against the key's scope.</summary>
public static class GicPolicies
{
    public const string Read = "gic:read";
    public const string Operate = "gic:operate";
    public const string Administer = "gic:administer";

    public static string For(string role) => role switch
    {
        GicRoles.Reader => Read,
        GicRoles.Operator => Operate,
        _ => Administer,
    };
}
