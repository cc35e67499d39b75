namespace GicService.Domain.Events;

public sealed record HostCreated(string GicVersion, int Pcpus) : FabricEvent;

public sealed record VmCreated(string VmId, int Vcpus, ulong MemoryBytes, string Setup) : FabricEvent;

public sealed record VmDeleted(string VmId) : FabricEvent;

/// <summary>A vCPU's vPE became resident on a pCPU (vcpu_load).</summary>
public sealed record VcpuLoaded(string VmId, uint Vcpu, uint Pcpu) : FabricEvent;

/// <summary>A vCPU stopped being resident (vcpu_put); <paramref name="Reason"/> is "put" or "block".</summary>
public sealed record VcpuPut(string VmId, uint Vcpu, uint Pcpu, string Reason) : FabricEvent;

/// <summary>A vCPU executed WFI while loaded and blocked; KVM arms its doorbell.</summary>
public sealed record VcpuBlocked(string VmId, uint Vcpu, uint? Pcpu) : FabricEvent;

/// <summary>A blocked vCPU was woken.</summary>
public sealed record VcpuUnblocked(string VmId, uint Vcpu, uint? Pcpu) : FabricEvent;

/// <summary>A register of a VM's virtual ITS or redistributor changed value.</summary>
public sealed record RegisterWritten(string VmId, string Register, uint? Vcpu, ulong Value) : FabricEvent;

/// <summary>The ITS tables of a VM were saved to, restored from guest RAM, or the ITS was reset.</summary>
public sealed record ItsTablesOperation(string VmId, string Operation) : FabricEvent;
