using System.Collections.Concurrent;
using System.Net;
using GicService.Api.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Serilog;
using Serilog.AspNetCore;
using Serilog.Core;
using Serilog.Events;

namespace GicService.Api.Tests.Endpoints;

/// <summary>The request log says what the client got.</summary>
public sealed class RequestLoggingTests(GicServiceFactory factory) : IClassFixture<GicServiceFactory>
{
    [Fact]
    public async Task MalformedBody_IsLoggedAsThe400ItIs_NotAsAnError500()
    {
        // Found by the HTTP fuzz: request logging ran inside the exception handler, so it saw the binding
        // exception and logged every malformed body as "responded 500" at Error, with a stack trace.
        var sink = new ListSink();
        using var logged = factory.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.Configure<RequestLoggingOptions>(options => options.Logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger())));
        var client = new GicClient(logged.CreateClient());
        var (_, vm) = await client.CreateHostAndVm();

        await client.Post($"{vm}/msi", "{\"deviceId\":\"one\",\"eventId\":0}", HttpStatusCode.BadRequest);

        var entry = Assert.Single(sink.Events, e => e.Properties.TryGetValue("RequestPath", out var path) && path.ToString() == $"\"{vm}/msi\"");
        Assert.Equal("400", entry.Properties["StatusCode"].ToString());
        Assert.Equal(LogEventLevel.Information, entry.Level);
        Assert.Null(entry.Exception);
    }

    private sealed class ListSink : ILogEventSink
    {
        private readonly ConcurrentQueue<LogEvent> _events = new();

        public IReadOnlyList<LogEvent> Events => _events.ToList();

        public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
    }
}
