namespace GicService.Domain.Inputs;

/// <summary>Everything that changes a host is one of these immutable records, applied one at a time by <see cref="Hosts.Host.Apply(HostInput)"/>.</summary>
public abstract record HostInput;

/// <summary>An input whose accepted outcome is a <typeparamref name="TResult"/>.</summary>
public abstract record HostInput<TResult> : HostInput;

/// <summary>The outcome of an input that has nothing to report beyond its events.</summary>
public sealed record Done
{
    public static readonly Done Value = new();
}
