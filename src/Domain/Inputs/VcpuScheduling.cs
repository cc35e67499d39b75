namespace GicService.Domain.Inputs;

/// <summary>vcpu_load: the vCPU becomes resident on a pCPU (a blocked vCPU stays blocked).</summary>
public sealed record LoadVcpu(string VmId, uint Vcpu, uint Pcpu) : HostInput<Done>;

/// <summary>vcpu_put.</summary>
public sealed record PutVcpu(string VmId, uint Vcpu) : HostInput<Done>;

/// <summary>WFI: the vCPU is put with its doorbell armed.</summary>
public sealed record BlockVcpu(string VmId, uint Vcpu) : HostInput<Done>;

/// <summary>Wake-up: the doorbell is disarmed and the vCPU is resident again on its pCPU.</summary>
public sealed record UnblockVcpu(string VmId, uint Vcpu) : HostInput<Done>;

/// <summary>The running guest takes its highest-priority pending, enabled interrupt (IAR then EOI).</summary>
public sealed record AcknowledgeInterrupt(string VmId, uint Vcpu) : HostInput<Acknowledged>;

/// <summary>The interrupt taken, or none.</summary>
public sealed record Acknowledged(uint? IntId, Events.InterruptSource? Source);
