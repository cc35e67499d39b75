using System.Text.Json;
using CsCheck;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Snapshots;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Snapshots;

/// <summary>
/// A snapshot is the whole state: a host rebuilt from it answers every later input exactly as the original
/// (results, rejections, events with their seq), and its own snapshot is the same again.
/// </summary>
public sealed class HostSnapshotTests
{
    private static readonly JsonSerializerOptions Plain = new() { IncludeFields = false };

    [Fact]
    public void FromSnapshot_BehavesAsTheOriginal_ForRandomInputStreams()
    {
        var seen = new HashSet<Type>();
        Gen.Select(RandomSessions.Configuration, RandomSessions.Input.Array[1, 80], Gen.Int[0, 80], RandomSessions.Input.Array[1, 80])
            .Sample((configuration, prefix, cut, suffix) =>
            {
                var original = Host.Create(configuration, out _);
                foreach (var input in RandomSessions.Warmup().Concat(prefix.Take(cut)))
                {
                    original.Apply(input);
                }

                var snapshot = original.TakeSnapshot();
                var rebuilt = Host.FromSnapshot(snapshot);
                Assert.Equal(Text(snapshot), Text(rebuilt.TakeSnapshot()));
                Assert.Equal(original.LastSeq, rebuilt.LastSeq);
                Assert.Empty(rebuilt.CheckInvariants());

                foreach (var input in suffix)
                {
                    seen.Add(input.GetType());
                    var expected = original.Apply(input);
                    var actual = rebuilt.Apply(input);
                    Assert.Equal(Describe(expected), Describe(actual));
                }

                Assert.Equal(Text(original.TakeSnapshot()), Text(rebuilt.TakeSnapshot()));
            }, iter: 300);

        Assert.Equal(RandomSessions.InputKinds, seen.OrderBy(t => t.Name, StringComparer.Ordinal));
    }

    [Fact]
    public void FromSnapshot_ChainedEveryFewInputs_YieldsTheSameEventStream()
    {
        var inputs = RandomSessions.Warmup().Concat(RandomSessions.Input.Array[3000].Generate(new PCG(7, 20261125), null, out _)).ToList();
        foreach (var configuration in new[]
        {
            new HostConfiguration("h1", 4, GicVersion.V4_0),
            new HostConfiguration("h1", 4, GicVersion.V4_0, DirectLpi: true, RemapHint: true),
            new HostConfiguration("h1", 4, GicVersion.V4_1, PreservePendingOnUnmap: true),
        })
        {
            var straight = Host.Create(configuration, out var straightCreated);
            var chained = Host.Create(configuration, out var chainedCreated);
            var expected = straightCreated.Select(Describe).ToList();
            var actual = chainedCreated.Select(Describe).ToList();
            for (var i = 0; i < inputs.Count; i++)
            {
                expected.Add(Describe(straight.Apply(inputs[i])));
                actual.Add(Describe(chained.Apply(inputs[i])));
                if (i % 37 == 0)
                {
                    chained = Host.FromSnapshot(chained.TakeSnapshot());
                }
            }

            Assert.Equal(expected, actual);
            Assert.True(straight.LastSeq > inputs.Count, $"the session should publish plenty of events ({straight.LastSeq})");
        }
    }

    [Fact]
    public void FromSnapshot_SharesNoMutableStateWithTheSnapshot()
    {
        var host = Host.Create(new HostConfiguration("h1", 4, GicVersion.V4_1), out _);
        foreach (var input in RandomSessions.Warmup())
        {
            host.Apply(input);
        }

        var snapshot = host.TakeSnapshot();
        var before = Text(snapshot);
        var first = Host.FromSnapshot(snapshot);
        first.Apply(new WriteGuestMemory("vm1", 0x20_0000, [0xFF, 0xFF]));
        first.Apply(new SignalMsi("vm1", 0, 0));
        host.Apply(new WriteGuestMemory("vm1", 0x20_0004, [0xFF]));

        Assert.Equal(before, Text(snapshot));
        Assert.Equal(before, Text(Host.FromSnapshot(snapshot).TakeSnapshot()));
    }

    [Fact]
    public void FromSnapshot_RefusesAnotherFormatVersion()
    {
        var snapshot = Host.Create(new HostConfiguration("h1", 2, GicVersion.V4_0), out _).TakeSnapshot();
        Assert.Throws<NotSupportedException>(() => Host.FromSnapshot(snapshot with { Version = HostSnapshot.CurrentVersion + 1 }));
    }

    [Fact]
    public void FromSnapshot_RefusesOneVfioDeviceIdTwice()
    {
        var host = Host.Create(new HostConfiguration("h1", 2, GicVersion.V4_1), out _);
        Assert.True(host.Apply(new CreateVm("vm1", 1, 64, VmSetup.Ready)).Accepted);
        Assert.True(host.Apply(new AssignVfioDevice("nic", "0000:01:00.0", 2, "vm1", 1)).Accepted);
        var snapshot = host.TakeSnapshot();
        var restored = Host.FromSnapshot(snapshot);
        Assert.Same(restored.VfioDevices[0], restored.FindVfioDevice("nic"));
        Assert.Null(restored.FindVfioDevice("NIC"));

        var twice = snapshot with { VfioDevices = [.. snapshot.VfioDevices, snapshot.VfioDevices[0]] };
        Assert.Throws<ArgumentException>(() => Host.FromSnapshot(twice));
    }

    private static string Text(HostSnapshot snapshot) => JsonSerializer.Serialize(snapshot, Plain);

    private static string Describe(FabricEvent e) => e.ToString();

    private static string Describe(Applied applied) =>
        $"{Result(applied.Result)} {applied.Rejection} [{string.Join(", ", applied.Events.Select(Describe))}]";

    /// <summary>Results are records, some holding lists; JSON shows their contents where ToString would not.</summary>
    private static string Result(object? result) => result is null ? "null" : $"{result.GetType().Name}:{JsonSerializer.Serialize(result, result.GetType(), Plain)}";
}
