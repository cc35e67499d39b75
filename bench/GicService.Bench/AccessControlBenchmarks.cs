extern alias GicApi;

using System.Security.Claims;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using GicApi::GicService.Api.Limits;
using GicApi::GicService.Api.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GicService.Bench;

/// <summary>
/// The per-request work of access control, in process: finding a presented key, the whole authentication of a
/// Bearer request (a request scope, the handler, the ticket), and taking a token from the per-key rate limiter.
/// The baseline is a dictionary lookup of the key as a string. See docs/benchmarks.md, "Access control and rate
/// limiting cost", for the same over HTTP.
/// </summary>
[MemoryDiagnoser]
public class AccessControlBenchmarks
{
    private const string OperatorKey = "bench-operator-key-000000002";

    private readonly Dictionary<string, string> _plain = new(StringComparer.Ordinal);
    private ServiceProvider _services = null!;
    private ServiceProvider _open = null!;
    private ApiKeyRing _ring = null!;
    private PartitionedRateLimiter<HttpContext> _limiter = null!;
    private HttpContext _limited = null!;
    private string _presented = null!;

    [GlobalSetup]
    public void Setup()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:Keys:0:Key"] = "bench-admin-key-000000000001",
            ["Auth:Keys:0:Role"] = "admin",
            ["Auth:Keys:1:Key"] = OperatorKey,
            ["Auth:Keys:1:Role"] = "operator",
            ["Auth:Keys:1:Name"] = "bench-operator",
            ["Auth:Keys:1:Hosts:0"] = "bench",
            ["Limits:RatePerSecond"] = "1000000",
            ["Limits:RateBurst"] = "10000000",
        }).Build();
        _services = Services(configuration);
        _open = Services(new ConfigurationBuilder().Build());
        _ring = _services.GetRequiredService<ApiKeyRing>();
        _limiter = _services.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter!;
        _presented = new string(OperatorKey.AsSpan()); // not the interned literal the ring was built from
        _plain[OperatorKey] = "bench-operator";

        _limited = new DefaultHttpContext { User = _ring.Find(_presented)!.Principal };
        if (_ring.Find(_presented) is null || !Authenticate().Result.Succeeded || !AuthenticateAnonymous().Result.Succeeded)
        {
            throw new InvalidOperationException("The operator key is not found.");
        }
    }

    private static ServiceProvider Services(IConfiguration configuration)
    {
        var services = new ServiceCollection().AddSingleton(configuration).AddLogging();
        services.AddOptions<GicService.Infrastructure.Limits.LimitsOptions>().BindConfiguration(GicService.Infrastructure.Limits.LimitsOptions.Section);
        services.AddProblemDetails();
        services.AddGicSecurity();
        services.AddGicLimits();
        return services.BuildServiceProvider();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _services.Dispose();
        _open.Dispose();
    }

    [Benchmark(Baseline = true)]
    public string? DictionaryLookup() => _plain.GetValueOrDefault(_presented);

    /// <summary>SHA-256 of the presented key and a lookup of its digest.</summary>
    [Benchmark]
    public ApiKey? RingFind() => _ring.Find(_presented);

    /// <summary>As the middleware does it per request: a request scope, <c>AuthenticateAsync</c> with the Bearer header.</summary>
    [Benchmark]
    public async Task<AuthenticateResult> Authenticate()
    {
        await using var scope = _services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = "Bearer " + OperatorKey;
        return await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
    }

    /// <summary>The same with no keys configured: the anonymous admin of a caller without an address (in process, as loopback).</summary>
    [Benchmark]
    public async Task<AuthenticateResult> AuthenticateAnonymous()
    {
        await using var scope = _open.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        return await context.AuthenticateAsync(ApiKeyAuthenticationHandler.SchemeName);
    }

    /// <summary>One token from the key's bucket (never refused at this rate), and its lease released.</summary>
    [Benchmark]
    public bool RateLimiterAcquire()
    {
        using var lease = _limiter.AttemptAcquire(_limited);
        return lease.IsAcquired;
    }
}
