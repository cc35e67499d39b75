using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using GicService.Domain.Events;
using GicService.Domain.Inputs;
using GicService.Domain.Its.Commands;

namespace GicService.Infrastructure.Serialization;

/// <summary>
/// The JSON of the journal, traces, snapshots and stored events (docs/durability.md). The domain carries
/// no JSON attributes, so its contracts are configured here: polymorphism of <see cref="HostInput"/>
/// (<c>"type": "SignalMsi"</c>), <see cref="ItsCommand"/> (<c>"op": "MAPD"</c>) and <see cref="FabricEvent"/>
/// (<c>"type": "LpiPending"</c>) with every concrete record of the domain as a derived type; computed
/// properties left out; an event's seq and host id written and read back. Property names are camelCase,
/// enums their names, 64-bit values <c>"0x..."</c> strings (read as such or as numbers), byte arrays hex.
/// Reading is strict: the discriminator comes first, every constructor parameter without a default must be
/// present, and null only where the domain allows it.
/// </summary>
public static class GicJson
{
    public const string InputDiscriminator = "type";
    public const string CommandDiscriminator = "op";
    public const string EventDiscriminator = "type";

    /// <summary>The one configured instance (read-only, thread-safe).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    public static byte[] SerializeInput(HostInput input) => JsonSerializer.SerializeToUtf8Bytes(input, Options);

    public static HostInput DeserializeInput(ReadOnlySpan<byte> utf8) =>
        JsonSerializer.Deserialize<HostInput>(utf8, Options) ?? throw new JsonException("An input is null.");

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { ConfigureDomainContracts } },
            Converters =
            {
                new JsonStringEnumConverter(),
                new HexUInt64JsonConverter(),
                new HexBytesJsonConverter(),
                new DeviceIdJsonConverter(),
                new EventIdJsonConverter(),
                new IntIdJsonConverter(),
                new CollectionIdJsonConverter(),
            },
        };
        options.MakeReadOnly();
        return options;
    }

    private static readonly Assembly DomainAssembly = typeof(HostInput).Assembly;

    private static readonly Action<FabricEvent, long> SetSeq = Setter<long>(nameof(FabricEvent.Seq));
    private static readonly Action<FabricEvent, string> SetHostId = Setter<string>(nameof(FabricEvent.HostId));

    private static Action<FabricEvent, T> Setter<T>(string property) => (Action<FabricEvent, T>)Delegate.CreateDelegate(
        typeof(Action<FabricEvent, T>), typeof(FabricEvent).GetProperty(property)!.GetSetMethod(nonPublic: true)!);

    private static void ConfigureDomainContracts(JsonTypeInfo info)
    {
        if (info.Type.Assembly != DomainAssembly || info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        if (info.Type == typeof(HostInput))
        {
            info.PolymorphismOptions = Polymorphism<HostInput>(InputDiscriminator, t => t.Name);
        }
        else if (info.Type == typeof(ItsCommand))
        {
            info.PolymorphismOptions = Polymorphism<ItsCommand>(CommandDiscriminator, t => t.Name.ToUpperInvariant());
        }
        else if (info.Type == typeof(FabricEvent))
        {
            info.PolymorphismOptions = Polymorphism<FabricEvent>(EventDiscriminator, t => t.Name);
        }

        for (var i = info.Properties.Count - 1; i >= 0; i--)
        {
            var property = info.Properties[i];
            if (property.Set is not null || property.AssociatedParameter is not null)
            {
                continue;
            }

            // An event is stamped once, by its host; stored events are read back with the stamp they had.
            if (typeof(FabricEvent).IsAssignableFrom(info.Type) && property.Name is "seq" or "hostId")
            {
                property.Set = property.Name == "seq"
                    ? (target, value) => SetSeq((FabricEvent)target, (long)value!)
                    : (target, value) => SetHostId((FabricEvent)target, (string)value!);
                continue;
            }

            // Computed (Opcode, Mnemonic, Type, EffectiveDirectLpi, IsLpi ...): derived from what is written.
            info.Properties.RemoveAt(i);
        }
    }

    private static JsonPolymorphismOptions Polymorphism<TBase>(string discriminator, Func<Type, string> name)
    {
        var options = new JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = discriminator,
            UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
        };
        foreach (var type in DomainAssembly.GetTypes()
                     .Where(t => typeof(TBase).IsAssignableFrom(t) && !t.IsAbstract && t != typeof(TBase))
                     .OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            options.DerivedTypes.Add(new JsonDerivedType(type, name(type)));
        }

        return options;
    }
}
