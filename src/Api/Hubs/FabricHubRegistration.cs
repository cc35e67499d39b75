using GicService.Api.Json;
using Microsoft.AspNetCore.SignalR;

namespace GicService.Api.Hubs;

public static class FabricHubRegistration
{
    /// <summary>SignalR with the JSON and MessagePack hub protocols, and the hub's subscription state.</summary>
    public static IServiceCollection AddFabricHub(this IServiceCollection services)
    {
        services.AddOptions<FabricHubOptions>().BindConfiguration(FabricHubOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FabricSubscriptions>();
        services.AddSignalR()
            .AddJsonProtocol(options => options.PayloadSerializerOptions.Converters.Add(new HexJsonConverter()))
            .AddMessagePackProtocol(options => options.SerializerOptions = ContractMessagePackResolver.Options);
        return services;
    }

    public static HubEndpointConventionBuilder MapFabricHub(this IEndpointRouteBuilder app) => app.MapHub<FabricHub>(FabricHub.Path);
}
