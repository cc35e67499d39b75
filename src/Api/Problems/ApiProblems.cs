using GicService.Api.Contracts;
using GicService.Domain.Hosts;
using GicService.Domain.Its;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Problems;

/// <summary>The one mapping from domain outcomes to problem responses: 404 unknown, 409 conflict, 422 refused.</summary>
public static class ApiProblems
{
    public static ProblemHttpResult HostNotFound(string hostId) =>
        TypedResults.Problem($"Host '{hostId}' does not exist.", statusCode: 404, title: "Host not found", type: ProblemTypes.HostNotFound);

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: 404, title: "Not found", type: ProblemTypes.NotFound);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: 409, title: "Conflicts with the current state", type: ProblemTypes.Conflict);

    public static ProblemHttpResult Unprocessable(string detail) =>
        TypedResults.Problem(detail, statusCode: 422, title: "Refused", type: ProblemTypes.Unprocessable);

    /// <summary>422 naming the limit (its configuration key) that the request would go beyond.</summary>
    public static ProblemHttpResult LimitExceeded(string limit, string detail) =>
        TypedResults.Problem(detail, statusCode: 422, title: "Limit exceeded", type: ProblemTypes.LimitExceeded,
            extensions: new Dictionary<string, object?> { ["limit"] = limit });

    public static ProblemHttpResult From(Rejection rejection)
    {
        if (rejection is { Kind: RejectionKind.LimitExceeded, Limit: { } limit })
        {
            return LimitExceeded(limit, rejection.Detail);
        }

        var extensions = rejection.Errno is { } errno
            ? new Dictionary<string, object?> { ["errno"] = $"-{errno}" }
            : null;
        return rejection.Kind switch
        {
            RejectionKind.NotFound => TypedResults.Problem(rejection.Detail, statusCode: 404, title: "Not found", type: ProblemTypes.NotFound, extensions: extensions),
            RejectionKind.Conflict => TypedResults.Problem(rejection.Detail, statusCode: 409, title: "Conflicts with the current state", type: ProblemTypes.Conflict, extensions: extensions),
            _ => TypedResults.Problem(rejection.Detail, statusCode: 422, title: "Refused", type: ProblemTypes.Unprocessable, extensions: extensions),
        };
    }

    public static ProblemHttpResult Untranslatable(ItsError error, string detail) =>
        TypedResults.Problem(detail, statusCode: 404, title: "The MSI does not translate", type: ProblemTypes.Untranslatable,
            extensions: new Dictionary<string, object?> { ["itsError"] = ItsErrorResponse.From(error) });

    public static ValidationProblem Invalid(string field, string problem) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [problem] }, type: ProblemTypes.Validation,
            title: "The request is not valid");

    public static ValidationProblem Invalid(IReadOnlyDictionary<string, List<string>> errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()), type: ProblemTypes.Validation,
            title: "The request is not valid");
}
