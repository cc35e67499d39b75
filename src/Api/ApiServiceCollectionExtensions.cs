using System.Text.Json.Serialization;
using GicService.Api.Contracts;
using GicService.Api.Endpoints;
using GicService.Api.Hubs;
using GicService.Api.Json;
using GicService.Api.Limits;
using GicService.Api.OpenApi;
using GicService.Api.Problems;
using GicService.Api.Security;
using GicService.Infrastructure.Limits;
using Microsoft.AspNetCore.Http.Json;
using Serilog;

namespace GicService.Api;

public static class ApiServiceCollectionExtensions
{
    /// <summary>The loopback address the service listens on when nothing (ASPNETCORE_URLS, --urls, Kestrel config) says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Listens on <see cref="DefaultUrl"/> unless the environment or command line chose addresses.</summary>
    public static WebApplicationBuilder UseGicDefaultUrl(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration["urls"] ?? builder.Configuration["http_ports"] ?? builder.Configuration["https_ports"];
        if (string.IsNullOrEmpty(configured) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        return builder;
    }

    public static IServiceCollection AddGicApi(this IServiceCollection services)
    {
        services.AddSerilog((provider, logger) => logger
            .ReadFrom.Configuration(provider.GetRequiredService<IConfiguration>())
            .Enrich.FromLogContext()
            .WriteTo.Console());

        services.Configure<JsonOptions>(options =>
        {
            options.SerializerOptions.Converters.Add(new HexJsonConverter());
            options.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            options.SerializerOptions.NumberHandling = JsonNumberHandling.Strict; // ids and counts are plain JSON numbers
        });

        // Binding failures throw, so the exception handler answers them with a precise problem.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
            {
                problem.Type = problem.Status == 404 ? ProblemTypes.RouteNotFound : ProblemTypes.HttpStatus;
            }

            if (problem.Status == 413)
            {
                // Every 413 (Kestrel's, while binding or reading a body) is a body limit: name the route's.
                var limit = LimitsRegistration.BodyLimitOf(context.HttpContext);
                problem.Type = ProblemTypes.PayloadTooLarge;
                problem.Detail ??= $"The request body is larger than {limit} allows; nothing was changed.";
                problem.Extensions["limit"] = limit;
            }

            if (problem.Status == 404 && problem.Detail is null)
            {
                problem.Detail = $"No route matches {context.HttpContext.Request.Method} {context.HttpContext.Request.Path}.";
            }
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddFabricHub();
        services.AddGicSecurity();
        services.AddGicLimits();
        services.AddGicObservability();

        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "GicService";
                document.Info.Version = "v1";
                document.Info.Description =
                    "Emulates a host's interrupt fabric as Linux KVM uses it on a GICv4 machine: each VM's virtual ITS, " +
                    "LPIs and redistributors, vCPU scheduling, and the events they produce. Errors are RFC 9457 problems.";
                document.Servers?.Clear();
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer<HexSchemaTransformer>();
            options.AddOperationTransformer<StorageUnavailableOperationTransformer>();
            options.AddDocumentTransformer<BearerSecurityTransformer>();
            options.AddOperationTransformer<BearerSecurityTransformer>();
            options.AddOperationTransformer<LimitResponsesOperationTransformer>();
        });
        return services;
    }

    public static WebApplication UseGicApi(this WebApplication app)
    {
        app.UseSerilogRequestLogging(); // outside the exception handler, so it logs the status the client got (a bad body is a 400, not a 500)
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles(); // "/" is the dashboard, wwwroot/index.html
        app.UseStaticFiles();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "GicService v1");
            options.RoutePrefix = "swagger";
            options.EnablePersistAuthorization();
        });
        app.UseAuthentication();
        app.UseRateLimiter(); // after authentication: a key's requests share one bucket
        app.UseAuthorization();
        return app;
    }

    public static IEndpointRouteBuilder MapGicEndpoints(this IEndpointRouteBuilder app)
    {
        // The API description stays open so Swagger UI can load it and offer "Authorize".
        app.MapOpenApi().AllowAnonymous();
        app.MapOpenApi("/openapi/{documentName}.yaml").AllowAnonymous();
        app.MapOperationsEndpoints();

        var api = app.MapGroup(string.Empty).RequireRoleByMethod();
        api.MapHostsEndpoints();
        api.MapTraceEndpoints();
        api.MapVmsEndpoints();
        api.MapItsEndpoints();
        api.MapVcpusEndpoints();
        api.MapEventsEndpoints();
        api.MapVfioEndpoints();
        api.MapForwardingsEndpoints();
        api.MapHostItsEndpoints();
        app.MapFabricHub().RequireAuthorization(GicPolicies.Read);
        app.MapGicObservability(); // /metrics: a reader's key, by the fallback policy
        return app;
    }
}
