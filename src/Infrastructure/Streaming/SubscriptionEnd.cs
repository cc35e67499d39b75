namespace GicService.Infrastructure.Streaming;

/// <summary>Why an <see cref="EventSubscription"/> stopped yielding events.</summary>
public enum SubscriptionEndReason
{
    /// <summary>The subscriber stopped it (unsubscribe, disconnect).</summary>
    Cancelled,

    /// <summary>The subscriber fell more than its buffer behind the live feed; it resumes from the log.</summary>
    Lagged,

    /// <summary>The host was deleted; every event it published was yielded first.</summary>
    HostDeleted,
}

/// <summary>
/// How a subscription ended. <paramref name="LastSeq"/> is the last seq it yielded (or its starting point if it
/// yielded none): every event up to it was delivered in order, so resuming after it misses nothing.
/// </summary>
public sealed record SubscriptionEnd(SubscriptionEndReason Reason, long LastSeq);
