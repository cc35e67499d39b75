namespace GicService.Domain.Events;

/// <summary>Collects the events of one input, in order; the host stamps and publishes them once the input is applied.</summary>
public sealed class EventBuffer
{
    private List<FabricEvent> _events = new();

    public void Add(FabricEvent e) => _events.Add(e);

    /// <summary>Hands over the collected events and starts an empty list.</summary>
    internal List<FabricEvent> Drain()
    {
        if (_events.Count == 0)
        {
            return [];
        }

        var drained = _events;
        _events = new List<FabricEvent>();
        return drained;
    }
}
