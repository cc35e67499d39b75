using BenchmarkDotNet.Attributes;
using GicService.Domain.Events;
using GicService.Domain.Hosts;
using GicService.Domain.Inputs;
using GicService.Domain.Its;
using GicService.Domain.Its.Commands;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Bench;

/// <summary>
/// In-process MSI translation and delivery through the ITS translation cache, against a bare
/// <see cref="Dictionary{TKey, TValue}"/> lookup keyed as the cache keys ((DeviceID &lt;&lt; 16) | EventID).
/// One device (DeviceID 1, 16 EventID bits) has <see cref="Events"/> events mapped to LPIs 8192.. in
/// collection 0 on vCPU 0; every benchmark rotates through all of them so no single key stays hot.
/// The set-up signals every event once, so every measured MSI is a cache hit. The LPIs are never
/// acknowledged: after the first MSI each one stays pending and every later MSI coalesces, which runs
/// the same code as a first MSI (MakePending only records the old latch in the event).
/// </summary>
[MemoryDiagnoser]
public class MsiBenchmarks
{
    /// <summary>Number of mapped events the benchmarks rotate through (a power of two).</summary>
    public const int Events = 1024;

    private const string VmId = "vm1";
    private const uint Device = 1;
    private const uint EventMask = Events - 1;

    private Dictionary<uint, object> _baseline = null!;
    private EventBuffer _itsEvents = null!;
    private VirtualIts _its = null!;
    private TranslationCache _cache = null!;
    private Host _host = null!;
    private uint _next;

    [GlobalSetup]
    public void Setup()
    {
        // (d) The aggregate: a host with one ready VM, the mappings made through its command queue.
        _host = Host.Create(new HostConfiguration("h1", 4, GicVersion.V4_0), out _);
        Require(_host.Apply(new CreateVm(VmId, 4, 256, VmSetup.Ready)).Accepted, "CreateVm was refused");
        var mapped = _host.Apply(new ProcessItsCommands(VmId, MappingCommands().Select(c => new QueuedCommand(c, null)).ToList()));
        Require(mapped.Result is CommandsResult { Processed: true } r && r.Results.Count == Events + 2 &&
            r.Results.All(c => c.Status == CommandStatus.Ok), "the mapping commands did not all succeed");
        for (uint e = 0; e < Events; e++)
        {
            Require(_host.Apply(new SignalMsi(VmId, Device, e)).Result is MsiOutcome { Pending: true }, $"MSI {e} was not delivered");
        }

        Require(_host.FindVm(VmId)!.Its.Cache.Count == Events, "the host VM's translation cache is not warm");

        // (b), (c) The same VM built below the aggregate, with an event buffer of our own to discard.
        _itsEvents = new EventBuffer();
        var vm = new Vm(VmId, 4, 256UL << 20, VmSetup.Ready, _itsEvents);
        vm.PerformReadySetup();
        _its = vm.Its;
        var encoded = MappingCommands().Select(ItsCommandCodec.Encode).ToList();
        Require(_its.TryEnqueue(encoded, out var cwriter), "the commands did not fit in the queue");
        var processed = _its.Write(ItsRegister.CommandWritePointer, 0, 8, cwriter);
        Require(processed.Count == Events + 2 && processed.All(c => c.Status == CommandStatus.Ok), "the mapping commands did not all succeed");
        for (uint e = 0; e < Events; e++)
        {
            Require(_its.SignalMsi(Device, e, "MSI").Delivered, $"MSI {e} was not delivered");
        }

        _itsEvents.Drain();
        _cache = _its.Cache;
        Require(_cache.Count == Events, "the translation cache is not warm");

        // (a) The baseline: the cache's own values, in a bare dictionary with the cache's key.
        _baseline = new Dictionary<uint, object>();
        foreach (var (deviceId, eventId, lpi) in _cache.Entries)
        {
            _baseline.Add((deviceId << 16) | eventId, lpi);
        }

        Require(_baseline.Count == Events, "the baseline dictionary is incomplete");
    }

    /// <summary>(a) A bare dictionary lookup keyed like the cache.</summary>
    [Benchmark(Baseline = true)]
    public object? DictionaryLookup()
    {
        var e = _next++ & EventMask;
        _baseline.TryGetValue((Device << 16) | e, out var value);
        return value;
    }

    /// <summary>(b) The translation cache alone (range check, key, dictionary lookup).</summary>
    [Benchmark]
    public Lpi? CacheTryGet()
    {
        var e = _next++ & EventMask;
        return _cache.TryGet(Device, e, out var lpi) ? lpi : null;
    }

    /// <summary>
    /// (c) VirtualIts.SignalMsi: cache hit, pending latch, LpiPending event, MsiResult. The event is
    /// discarded after each MSI, as the host drains its buffer after each input.
    /// </summary>
    [Benchmark]
    public MsiResult ItsSignalMsi()
    {
        var e = _next++ & EventMask;
        var result = _its.SignalMsi(Device, e, "MSI");
        _itsEvents.Drain();
        return result;
    }

    /// <summary>(d) Host.Apply(SignalMsi) end to end: the input record, VM lookup, (c), MsiOutcome, event stamping, Applied.</summary>
    [Benchmark]
    public Applied HostApplySignalMsi()
    {
        var e = _next++ & EventMask;
        return _host.Apply(new SignalMsi(VmId, Device, e));
    }

    private static IEnumerable<ItsCommand> MappingCommands()
    {
        yield return new Mapd(new DeviceId(Device), 15, 0x0800_0000, true);
        yield return new Mapc(new CollectionId(0), 0, true);
        for (uint e = 0; e < Events; e++)
        {
            yield return new Mapti(new DeviceId(Device), new EventId(e), new IntId(IntId.FirstLpi + e), new CollectionId(0));
        }
    }

    private static void Require(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark set-up failed: {problem}.");
        }
    }
}
