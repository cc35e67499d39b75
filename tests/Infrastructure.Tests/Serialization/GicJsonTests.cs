using System.Text;
using System.Text.Json;
using CsCheck;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Snapshots;
using GicService.Domain.Tests.Snapshots;
using GicService.Infrastructure.Serialization;

namespace GicService.Infrastructure.Tests.Serialization;

public sealed class GicJsonTests
{
    [Fact]
    public void Inputs_RoundTripAndReplayTheSame_ForRandomSessionsOfEveryKind()
    {
        var seen = new HashSet<Type>();
        Gen.Select(RandomSessions.Configuration, RandomSessions.Input.Array[1, 120]).Sample((configuration, random) =>
        {
            var inputs = RandomSessions.Warmup().Concat(random).ToList();
            var read = new List<HostInput>();
            foreach (var input in inputs)
            {
                seen.Add(input.GetType());
                var json = GicJson.SerializeInput(input);
                var back = GicJson.DeserializeInput(json);
                Assert.IsType(input.GetType(), back);
                Assert.Equal(Encoding.UTF8.GetString(json), Encoding.UTF8.GetString(GicJson.SerializeInput(back)));
                read.Add(back);
            }

            Assert.Equal(Events(configuration, inputs), Events(configuration, read));
        }, iter: 100);

        Assert.Equal(RandomSessions.InputKinds, seen.OrderBy(t => t.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void ItsCommands_RoundTripAsRecords_ForEveryCommandType()
    {
        ItsCommand[] commands =
        [
            new Mapd(new DeviceId(8), 4, 0x1234_5600, true), new Mapc(new CollectionId(3), 0xF_FFFF_FFFF, false),
            new Mapti(new DeviceId(1), new EventId(2), new IntId(8195), new CollectionId(4)), new Mapi(new DeviceId(1), new EventId(2), new CollectionId(0)),
            new Movi(new DeviceId(1), new EventId(2), new CollectionId(5)), new Movall(1, 2), new Discard(new DeviceId(9), new EventId(0)),
            new Int(new DeviceId(1), new EventId(1)), new Clear(new DeviceId(1), new EventId(1)), new Inv(new DeviceId(1), new EventId(1)),
            new Invall(new CollectionId(7)), new Sync(3), new Vsync(4), new Vinvall(5), new Invdb(6),
            new Vmovi(new DeviceId(1), new EventId(2), 3, true, 8200), new Vmovp(1, 2, 3, 4, true, 8201),
            new Vsgi(1, 15, 0xA, true, false, true), new Vmapp(1, 2, true, 0x80_0001_0000, 15, true, false, 0x7F_FFFF_0000, 8202),
            new Vmapti(new DeviceId(1), new EventId(2), 3, new IntId(8193), 1023), new Vmapi(new DeviceId(1), new EventId(2), 3, 1023),
            new UnknownCommand(0x42),
        ];
        var concrete = typeof(ItsCommand).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(ItsCommand)) && !t.IsAbstract);
        Assert.Equal(concrete.OrderBy(t => t.Name), commands.Select(c => c.GetType()).OrderBy(t => t.Name));

        foreach (var command in commands)
        {
            var json = JsonSerializer.Serialize<ItsCommand>(command, GicJson.Options);
            Assert.Equal(command, JsonSerializer.Deserialize<ItsCommand>(json, GicJson.Options));
            Assert.StartsWith($"{{\"op\":\"{command.GetType().Name.ToUpperInvariant()}\"", json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Inputs_HaveTheDocumentedShape()
    {
        Assert.Equal("""{"type":"SignalMsi","vmId":"vm1","deviceId":8,"eventId":3}""",
            Encoding.UTF8.GetString(GicJson.SerializeInput(new SignalMsi("vm1", 8, 3))));
        Assert.Equal("""{"type":"WriteItsRegister","vmId":"vm1","register":"CommandQueueBase","offsetInRegister":0,"length":8,"value":"0xb800000000010403","userspace":false}""",
            Encoding.UTF8.GetString(GicJson.SerializeInput(new WriteItsRegister("vm1", ItsRegister.CommandQueueBase, 0, 8, 0xb800_0000_0001_0403))));
        Assert.Equal("""{"type":"ProcessItsCommands","vmId":"vm1","commands":[{"command":{"op":"MAPD","deviceId":8,"size":4,"ittAddress":"0x0","valid":true},"raw":null,"allocateItt":true},{"command":null,"raw":"0a0b","allocateItt":false}]}""",
            Encoding.UTF8.GetString(GicJson.SerializeInput(new ProcessItsCommands("vm1",
                [new QueuedCommand(new Mapd(new DeviceId(8), 4, 0, true), null, true), new QueuedCommand(null, [0x0a, 0x0b])]))));
        Assert.Equal("""{"type":"WriteGuestMemory","vmId":"vm1","gpa":"0x1000","data":"deadbeef"}""",
            Encoding.UTF8.GetString(GicJson.SerializeInput(new WriteGuestMemory("vm1", 0x1000, [0xde, 0xad, 0xbe, 0xef]))));
    }

    [Theory]
    [InlineData("""{"type":"NoSuchInput","vmId":"vm1"}""")]
    [InlineData("""{"type":"SignalMsi","vmId":"vm1","deviceId":8}""")]
    [InlineData("""{"type":"SignalMsi","vmId":null,"deviceId":8,"eventId":3}""")]
    [InlineData("""{"type":"WriteGuestMemory","vmId":"vm1","gpa":"0xzz","data":"00"}""")]
    [InlineData("""{"type":"WriteGuestMemory","vmId":"vm1","gpa":"0x10","data":"0"}""")]
    [InlineData("""{"vmId":"vm1","deviceId":8,"eventId":3}""")]
    [InlineData("""{"vmId":"vm1","deviceId":8,"eventId":3,"type":"SignalMsi"}""")]
    public void Inputs_AreReadStrictly(string json)
    {
        Assert.ThrowsAny<Exception>(() => GicJson.DeserializeInput(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Inputs_AcceptNumbersFor64BitValuesAndFieldsInAnyOrderAfterTheirType()
    {
        var input = GicJson.DeserializeInput("""{"type":"WriteGuestMemory","data":"ff","gpa":4096,"vmId":"vm1"}"""u8);
        var memory = Assert.IsType<WriteGuestMemory>(input);
        Assert.Equal((ulong)4096, memory.Gpa);
        Assert.Equal([0xff], memory.Data);
    }

    [Fact]
    public void Events_RoundTripWithTheirSeqAndHostId()
    {
        var host = Host.Create(new HostConfiguration("h7", 4, GicVersion.V4_0), out var created);
        var events = created.ToList();
        foreach (var input in RandomSessions.Warmup().Concat(RandomSessions.Input.Array[400].Generate(new PCG(3, 77), null, out _)))
        {
            events.AddRange(host.Apply(input).Events);
        }

        var json = JsonSerializer.Serialize(events, GicJson.Options);
        var back = JsonSerializer.Deserialize<List<FabricEvent>>(json, GicJson.Options)!;
        Assert.Equal(events.Select(e => e.ToString()), back.Select(e => e.ToString()));
        Assert.Equal(events.Select(e => e.Seq), back.Select(e => e.Seq));
        Assert.All(back, e => Assert.Equal("h7", e.HostId));
        Assert.Contains(back, e => e is HostItsCommand);
    }

    [Fact]
    public void Snapshots_RoundTripToTheSameHost()
    {
        var host = Host.Create(new HostConfiguration("h1", 4, GicVersion.V4_1, RemapHint: true), out _);
        foreach (var input in RandomSessions.Warmup().Concat(RandomSessions.Input.Array[300].Generate(new PCG(5, 11), null, out _)))
        {
            host.Apply(input);
        }

        var json = JsonSerializer.Serialize(host.TakeSnapshot(), GicJson.Options);
        var back = JsonSerializer.Deserialize<HostSnapshot>(json, GicJson.Options)!;
        Assert.Equal(json, JsonSerializer.Serialize(Host.FromSnapshot(back).TakeSnapshot(), GicJson.Options));
    }

    private static List<string> Events(HostConfiguration configuration, IEnumerable<HostInput> inputs)
    {
        var host = Host.Create(configuration, out var created);
        var events = created.Select(e => e.ToString()).ToList();
        foreach (var input in inputs)
        {
            var applied = host.Apply(input);
            events.Add($"{applied.Accepted} {applied.Rejection?.Detail}");
            events.AddRange(applied.Events.Select(e => e.ToString()));
        }

        return events;
    }
}
