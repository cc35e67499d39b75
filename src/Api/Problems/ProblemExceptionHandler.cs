using System.Text.Json;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Limits;
using GicService.Infrastructure.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace GicService.Api.Problems;

/// <summary>
/// Turns exceptions into problem responses: a body the framework could not bind is a 400, a host deleted
/// mid-request a 404, a journal that cannot be written a 503 (nothing was applied); anything else is a bug,
/// logged with the request id, and a 500.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, type, title, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } => (413, ProblemTypes.PayloadTooLarge, "Request body too large", null), // detail and limit: AddGicApi's problem customization
            BadHttpRequestException bad => (bad.StatusCode, ProblemTypes.MalformedRequest, "The request is malformed", Describe(bad)),
            LimitExceededException exceeded => (422, ProblemTypes.LimitExceeded, "Limit exceeded", exceeded.Message),
            HostDeletedException gone => (404, ProblemTypes.HostNotFound, "Host not found", gone.Message),
            StorageUnavailableException storage => (503, ProblemTypes.StorageUnavailable, "Storage unavailable",
                $"{storage.Message} Reads still work; retry once /healthz reports storage healthy."),
            _ => (500, ProblemTypes.Internal, "Internal error", "An unexpected error occurred; it has been logged with this request's traceId."),
        };

        if (status == 503)
        {
            httpContext.Response.Headers.RetryAfter = "5";
        }
        else if (status >= 500)
        {
            LogUnhandled(logger, exception, httpContext.TraceIdentifier);
        }

        httpContext.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail };
        if (exception is LimitExceededException { Limit: var limit })
        {
            problem.Extensions["limit"] = limit;
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = problem,
        });
    }

    private static string Describe(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException json => $"The JSON body is not valid: {json.Message}",
        { } inner => $"{bad.Message} {inner.Message}",
        null => bad.Message,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception for request {TraceId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string traceId);
}
