using System.Text.Json.Serialization;

namespace GicService.Api.Contracts;

/// <summary>
/// Narrows a hub subscription to the events of one VM, or of one vCPU of it. An event passes a vCPU filter
/// when it names that vCPU, or names the VM and no vCPU at all (VM-wide events such as a command error).
/// </summary>
public sealed record EventFilter(string? VmId, uint? Vcpu)
{
    public bool Matches(FabricEventResponse e) =>
        (VmId is null || string.Equals(e.VmId, VmId, StringComparison.Ordinal))
        && (Vcpu is null || e.Vcpu is null || e.Vcpu == Vcpu);
}

/// <summary>
/// The answer to <c>Subscribe</c>: events after <c>afterSeq</c> follow; <c>lastSeq</c> was the host's last seq when the
/// subscription started, so events up to it are replayed and later ones are live. Events may arrive before this answer.
/// </summary>
public sealed record SubscriptionResponse(
    string HostId,
    long AfterSeq,
    long LastSeq,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] EventFilter? Filter);

/// <summary>
/// Pushed when the service ends a subscription: <c>reason</c> is <c>lagged</c> (the client fell more than its buffer
/// behind) or <c>hostDeleted</c>. Every event up to <c>resumeAfterSeq</c> was sent in order; subscribing again
/// with <c>afterSeq = resumeAfterSeq</c> misses nothing.
/// </summary>
public sealed record SubscriptionEndedResponse(string HostId, string Reason, long ResumeAfterSeq, string Detail);
