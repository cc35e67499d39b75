using System.Net;
using System.Text;
using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GicService.Api.Tests.Security;

/// <summary>
/// Every route of the API, found from the service's own endpoint table, asked by every kind of caller: the
/// answer is 401 without a valid key, 403 where the key's role or host scope falls short, and otherwise
/// whatever the route says (never 401 or 403). The expectations come from the rules in api.md, not from the
/// endpoints' metadata.
/// </summary>
public sealed class RouteAccessTests(SecuredService service, ITestOutputHelper output) : IClassFixture<SecuredService>
{
    private static readonly HashSet<string> AdminRoutes = ["CreateHost", "DeleteHost", "ReplayTrace"];

    public static TheoryData<string> Callers => new() { "none", "unknown", "reader", "operator", "admin", "scoped-admin" };

    [Theory]
    [MemberData(nameof(Callers))]
    public async Task EveryRoute_AnswersAsTheCallersRoleAndScopeAllow(string caller)
    {
        var key = caller switch
        {
            "none" => null,
            "unknown" => "not-a-configured-key-at-all",
            "reader" => SecuredService.ReaderKey,
            "operator" => SecuredService.OperatorKey,
            "admin" => SecuredService.AdminKey,
            _ => SecuredService.ScopedAdminKey,
        };
        using var client = service.Client(key);
        var routes = Routes().ToList();
        Assert.True(routes.Count >= 50, $"only {routes.Count} route checks found");

        var wrong = new List<string>();
        foreach (var (method, name, hostId, path) in routes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method is "POST" or "PUT")
            {
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            var expected = Expected(caller, method, name, hostId);
            var actual = (int)response.StatusCode;
            var ok = expected switch
            {
                401 or 403 => actual == expected,
                _ => actual is not (401 or 403) and < 500,
            };
            if (!ok)
            {
                wrong.Add($"{method} {path} ({name}): expected {(expected == 0 ? "neither 401 nor 403" : expected)}, got {actual}");
            }
        }

        output.WriteLine($"{routes.Count} requests as {caller}");
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    private static int Expected(string caller, string method, string name, string? hostId)
    {
        if (caller is "none" or "unknown")
        {
            return 401;
        }

        var needs = AdminRoutes.Contains(name) ? 2 : method == "GET" ? 0 : 1;
        var rank = caller switch { "reader" => 0, "operator" => 1, _ => 2 };
        var scoped = caller is "operator" or "scoped-admin";
        if (rank < needs)
        {
            return 403;
        }

        // A scoped key reaches only its hosts; creating or replaying a host it must name one in scope ({} names none).
        if (scoped && (hostId == SecuredService.OutOfScope || name is "CreateHost" or "ReplayTrace"))
        {
            return 403;
        }

        return 0;
    }

    /// <summary>Each API route once per host (in and out of scope); deleting a host comes last.</summary>
    private IEnumerable<(string Method, string Name, string? HostId, string Path)> Routes()
    {
        var endpoints = service.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true)
            .OrderBy(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == "DeleteHost");
        foreach (var endpoint in endpoints)
        {
            var name = endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? endpoint.DisplayName!;
            foreach (var method in endpoint.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods)
            {
                var pattern = endpoint.RoutePattern;
                if (pattern.Parameters.Any(p => p.Name == "hostId"))
                {
                    foreach (var host in new[] { SecuredService.OutOfScope, SecuredService.InScope })
                    {
                        yield return (method, name, host, Fill(pattern.RawText!, host));
                    }
                }
                else
                {
                    yield return (method, name, null, Fill(pattern.RawText!, null));
                }
            }
        }
    }

    private static string Fill(string pattern, string? hostId) => pattern
        .Replace("{hostId}", hostId)
        .Replace("{vmId}", "vm0")
        .Replace("{name}", "GITS_CTLR")
        .Replace("{gpa}", "0x1000")
        .Replace("{intId}", "8192")
        .Replace("{deviceId}", "1")
        .Replace("{vector}", "0")
        .Replace("{vcpu}", "0")
        .Replace("{hostIrq}", "64");
}
