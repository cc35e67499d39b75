using GicService.Domain.Events;

namespace GicService.Domain.Hosts;

/// <summary>The outcome of one input: its result or its rejection, and the events it published (stamped, in order).</summary>
public sealed record Applied(object? Result, Rejection? Rejection, IReadOnlyList<FabricEvent> Events)
{
    public bool Accepted => Rejection is null;
}
