using GicService.Api;
using GicService.Infrastructure;

if (args is ["--healthcheck", var healthUrl])
{
    return await HealthProbe.RunAsync(healthUrl);
}

var builder = WebApplication.CreateBuilder(args);
builder.UseGicDefaultUrl();
builder.Services.AddGicInfrastructure();
builder.Services.AddGicApi();

var app = builder.Build();
app.UseGicApi();
app.MapGicEndpoints();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
