namespace GicService.Domain.Bridge;

/// <summary>What set_forwarding did: "vlpi" (a VLPI now carries the event) or "software" with the reason it silently fell back.</summary>
public sealed record ForwardingOutcome(string Mode, string? Reason, uint? IntId, uint? Vcpu, ushort? VpeId)
{
    public static ForwardingOutcome Software(string reason) => new("software", reason, null, null, null);
}

/// <summary>What one device MSI became: the path it took and where it ended.</summary>
public sealed record TriggerOutcome(string Path, string Outcome, uint? IntId, uint? Vcpu, bool Doorbell, string? Reason);
