using GicService.Api;
using GicService.Infrastructure;

var builder = WebApplication.CreateBuilder(args);
builder.UseGicDefaultUrl();
builder.Services.AddGicInfrastructure();
builder.Services.AddGicApi();

var app = builder.Build();
app.UseGicApi();
app.MapGicEndpoints();
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
