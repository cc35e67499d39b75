using GicService.Domain.Events;
using GicService.Domain.Its;
using GicService.Domain.Lpis;
using GicService.Domain.Memory;
using GicService.Domain.Snapshots;
using GicService.Domain.Vcpus;

namespace GicService.Domain.Vms;

/// <summary>
/// One guest: its RAM, its vGICv3 with one virtual ITS, the LPI state shared by its redistributors, and
/// its vCPUs. A vCPU's id is its redistributor's Processor_Number, the RDbase MAPC and MOVALL take.
/// </summary>
public sealed class Vm
{
    /// <summary>
    /// The guest physical address of the ITS frame: just above the largest RAM a VM may have, since
    /// guest RAM spans [0, memoryMiB) and the frame must not overlap it.
    /// </summary>
    public const ulong ItsBase = 0x0000_0010_0000_0000;
    public const int MaxMemoryMiB = 65536;

    private readonly Vcpu[] _vcpus;
    private readonly VirtualRedistributor[] _redistributors;

    internal Vm(string id, int vcpus, ulong memoryBytes, VmSetup setup, EventBuffer events)
    {
        Id = id;
        Setup = setup;
        Memory = new GuestMemory(memoryBytes);
        _vcpus = Enumerable.Range(0, vcpus).Select(i => new Vcpu((uint)i)).ToArray();
        Lpis = new LpiDistributor(id, Memory, events, vcpu => FindRedistributor(vcpu)?.PendingTableAddress);
        Its = new VirtualIts(id, ItsBase, Memory, Lpis, events, FindRedistributor);
        _redistributors = Enumerable.Range(0, vcpus)
            .Select(i => new VirtualRedistributor((uint)i, isLast: i == vcpus - 1, hasIts: true, Lpis, Its.InvalidateCache))
            .ToArray();
        IttAllocator = new IttAllocator(memoryBytes, setup == VmSetup.Ready ? ReadyLayout.End(vcpus) : 0);
    }

    public string Id { get; }

    public VmSetup Setup { get; }

    public GuestMemory Memory { get; }

    public VirtualIts Its { get; }

    public LpiDistributor Lpis { get; }

    public IReadOnlyList<Vcpu> Vcpus => _vcpus;

    public IReadOnlyList<VirtualRedistributor> Redistributors => _redistributors;

    internal IttAllocator IttAllocator { get; }

    public VirtualRedistributor? FindRedistributor(uint vcpuId) => vcpuId < _redistributors.Length ? _redistributors[vcpuId] : null;

    public Vcpu? FindVcpu(uint vcpuId) => vcpuId < _vcpus.Length ? _vcpus[vcpuId] : null;

    /// <summary>
    /// What a guest's boot code does before it uses LPIs (design/api.md, setup "ready"): tables in RAM,
    /// GITS_CBASER, GITS_BASER0/1, PROPBASER, PENDBASER, EnableLPIs on every vCPU, the ITS enabled, and
    /// every LPI's property byte enabled with priority 0xa0.
    /// </summary>
    internal void PerformReadySetup()
    {
        var property = LpiProperty.From(enabled: true, ReadyLayout.DefaultLpiPriority).Raw;
        var lpiCount = (1 << ReadyLayout.LpiIdBits) - (int)IntId.FirstLpi;
        var bytes = new byte[lpiCount];
        Array.Fill(bytes, property);
        Memory.TryWrite(ReadyLayout.PropertyTable, bytes);

        var propBaser = ReadyLayout.PropertyTable | (1UL << 10) | (3UL << 7) | (ReadyLayout.LpiIdBits - 1);
        foreach (var rd in _redistributors)
        {
            rd.Write(RedistributorRegister.PropertyBase, 0, 8, propBaser);
            rd.Write(RedistributorRegister.PendingBase, 0, 8, ReadyLayout.PendingTable(rd.VcpuId) | (1UL << 10) | (3UL << 7) | (1UL << 62));
            rd.Write(RedistributorRegister.Control, 0, 4, 1);
        }

        Its.Write(ItsRegister.CommandQueueBase, 0, 8, GitsCbaser.Make(ReadyLayout.CommandQueue, ReadyLayout.CommandQueueBytes));
        Its.Write(ItsRegister.TableBase0, 0, 8, GitsBaser.MakeFlat(GitsBaser.TypeDevice, ReadyLayout.DeviceTable, ReadyLayout.TablePages));
        Its.Write(ItsRegister.TableBase1, 0, 8, GitsBaser.MakeFlat(GitsBaser.TypeCollection, ReadyLayout.CollectionTable, ReadyLayout.TablePages));
        Its.Write(ItsRegister.Control, 0, 4, 1);
    }

    internal VmSnapshot TakeSnapshot() => new(
        Id,
        Setup,
        Memory.Size,
        Memory.Pages.Select(p => new GuestPageSnapshot(p.Key, (byte[])p.Value.Clone())).ToList(),
        _vcpus.Select(v => new VcpuSnapshot(v.Id, v.State, v.Pcpu, _redistributors[v.Id].EnableLpis, _redistributors[v.Id].PendBaser)).ToList(),
        Lpis.PropBaser,
        Lpis.Lpis.Select(l => l.TakeSnapshot()).ToList(),
        Its.TakeSnapshot(),
        IttAllocator.TakeSnapshot());

    /// <summary>A VM as snapshotted, publishing into <paramref name="events"/>; the bridge hooks are attached by the host.</summary>
    internal static Vm FromSnapshot(VmSnapshot snapshot, EventBuffer events)
    {
        if (snapshot.Vcpus.Count is < 1 or > Hosts.Host.MaxVcpusPerVm || snapshot.Vcpus.Select((v, i) => v.Id != (uint)i).Any(wrong => wrong))
        {
            throw new ArgumentException($"Snapshot of VM '{snapshot.Id}' lists its vCPUs out of order or out of range.", nameof(snapshot));
        }

        var vm = new Vm(snapshot.Id, snapshot.Vcpus.Count, snapshot.MemoryBytes, snapshot.Setup, events);
        foreach (var page in snapshot.Pages)
        {
            vm.Memory.RestorePage(page.Number, page.Data);
        }

        foreach (var vcpu in snapshot.Vcpus)
        {
            vm._vcpus[vcpu.Id].Restore(vcpu.State, vcpu.Pcpu);
            vm._redistributors[vcpu.Id].Restore(vcpu.EnableLpis, vcpu.PendBaser);
        }

        vm.Lpis.Restore(snapshot.PropBaser, snapshot.Lpis);
        vm.Its.Restore(snapshot.Its);
        vm.IttAllocator.Restore(snapshot.IttAllocator);
        return vm;
    }
}
