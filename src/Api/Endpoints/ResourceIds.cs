using System.Text.RegularExpressions;

namespace GicService.Api.Endpoints;

/// <summary>The rule for caller-chosen host and VM ids: they appear in routes, so they stay URL-safe.</summary>
public static partial class ResourceIds
{
    public const string Rule = "must be 1-64 characters of letters, digits, '-', '_' or '.', starting with a letter or digit";

    public static bool IsValid(string id) => IdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex IdPattern();
}
