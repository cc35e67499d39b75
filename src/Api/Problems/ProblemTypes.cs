namespace GicService.Api.Problems;

/// <summary>
/// Every RFC 9457 problem <c>type</c> this service answers with. Published values never change;
/// docs/problems.md describes each.
/// </summary>
public static class ProblemTypes
{
    public const string Validation = "/problems/validation";
    public const string MalformedRequest = "/problems/malformed-request";
    public const string HostNotFound = "/problems/host-not-found";
    public const string NotFound = "/problems/not-found";
    public const string RouteNotFound = "/problems/route-not-found";
    public const string Conflict = "/problems/conflict";
    public const string Unprocessable = "/problems/unprocessable";
    public const string Untranslatable = "/problems/its-translation-error";
    public const string Internal = "/problems/internal-error";
    public const string HttpStatus = "/problems/http-status";
    public const string StorageUnavailable = "/problems/storage-unavailable";
    public const string InvalidTrace = "/problems/invalid-trace";
    public const string Unauthorized = "/problems/unauthorized";
    public const string Forbidden = "/problems/forbidden";
    public const string LimitExceeded = "/problems/limit-exceeded";
    public const string PayloadTooLarge = "/problems/payload-too-large";
    public const string RateLimited = "/problems/rate-limited";
}
