using GicService.Api.Contracts;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace GicService.Api.Hubs;

/// <summary>
/// MessagePack for the hub: the contract records (<c>GicService.Api.Contracts</c>) travel as maps with exactly the
/// keys and values of their JSON form (camelCase, nulls left out, hex as "0x..." strings), so an event looks the
/// same whichever protocol a client picked. Everything else (the hub's string and number arguments) uses
/// SignalR's usual contractless resolver.
/// </summary>
public sealed class ContractMessagePackResolver : IFormatterResolver
{
    public static readonly ContractMessagePackResolver Instance = new();

    /// <summary>The options both the service and .NET clients give the MessagePack hub protocol.</summary>
    public static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData);

    private ContractMessagePackResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter =
            typeof(T).Namespace == typeof(FabricEventResponse).Namespace && typeof(T).IsClass
                ? new JsonShapedMessagePackFormatter<T>()
                : ContractlessStandardResolver.Instance.GetFormatter<T>();
    }
}
