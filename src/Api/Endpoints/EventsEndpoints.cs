using GicService.Api.Contracts;
using GicService.Api.Problems;
using GicService.Infrastructure.Hosting;
using GicService.Infrastructure.Limits;
using Microsoft.AspNetCore.Http.HttpResults;

namespace GicService.Api.Endpoints;

public static class EventsEndpoints
{
    public const int MaxPage = 10_000;

    public static IEndpointRouteBuilder MapEventsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/hosts/{hostId}/events").WithTags("Events")
            .MapGet("/", GetEvents).WithName("GetEvents").WithSummary("The host's events after a sequence number, in order");
        return app;
    }

    internal static Results<Ok<EventPageResponse>, ValidationProblem, ProblemHttpResult> GetEvents(string hostId, long? after, int? limit, HostRegistry hosts)
    {
        if (after is < 0)
        {
            return ApiProblems.Invalid("after", "must be 0 or more");
        }

        if (limit is < 1 or > MaxPage)
        {
            return ApiProblems.Invalid("limit", $"must be between 1 and {MaxPage}");
        }

        if (hosts.Find(hostId) is not { } runner)
        {
            return ApiProblems.HostNotFound(hostId);
        }

        var lastSeq = runner.Log.LastSeq;
        try
        {
            // No after: from the oldest event kept.
            var events = runner.Log.After(after ?? runner.Log.FirstSeq - 1, limit ?? 1000).Select(FabricEventResponse.From).ToList();
            return TypedResults.Ok(new EventPageResponse(events, lastSeq));
        }
        catch (EventsNotRetainedException dropped)
        {
            return ApiProblems.LimitExceeded(LimitsOptions.Key(nameof(LimitsOptions.EventsRetainedPerHost)), dropped.Message);
        }
    }
}
