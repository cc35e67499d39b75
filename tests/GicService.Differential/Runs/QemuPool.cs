using System.Collections.Concurrent;
using GicService.Differential.Qemu;
using GicService.Differential.Streams;

namespace GicService.Differential.Runs;

/// <summary>
/// QEMU processes kept for many streams: one is started per vCPU count and sampling thread on first
/// use, and each stream only resets the ITS and its tables (<see cref="QemuIts.Reset"/>).
/// </summary>
public sealed class QemuPool : IDisposable
{
    private readonly ConcurrentDictionary<int, ConcurrentBag<QemuIts>> _idle = new();
    private readonly ConcurrentBag<QemuIts> _all = [];

    public int Started => _all.Count;

    public QemuIts Rent(int vcpus)
    {
        if (_idle.GetOrAdd(vcpus, _ => []).TryTake(out var its))
        {
            return its;
        }

        its = QemuIts.Start(vcpus, StreamLayout.MemoryMiB);
        _all.Add(its);
        return its;
    }

    public void Return(QemuIts its) => _idle.GetOrAdd(its.Vcpus, _ => []).Add(its);

    /// <summary>A process whose stream failed is not reused: its state is suspect.</summary>
    public void Discard(QemuIts its) => its.Dispose();

    public void Dispose()
    {
        foreach (var its in _all)
        {
            its.Dispose();
        }
    }
}
