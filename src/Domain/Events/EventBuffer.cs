namespace GicService.Domain.Events;

/// <summary>Collects the events of one input, in order; the host stamps and publishes them once the input is applied.</summary>
public sealed class EventBuffer
{
    private readonly List<FabricEvent> _events = new();

    public void Add(FabricEvent e) => _events.Add(e);

    internal List<FabricEvent> Drain()
    {
        var drained = new List<FabricEvent>(_events);
        _events.Clear();
        return drained;
    }

    internal void Discard() => _events.Clear();
}
