namespace GicService.Domain.Inputs;

/// <summary>KVM_DEV_ARM_ITS_SAVE_TABLES plus the vGIC's SAVE_PENDING_TABLES.</summary>
public sealed record SaveItsTables(string VmId) : HostInput<Done>;

/// <summary>KVM_DEV_ARM_ITS_RESTORE_TABLES.</summary>
public sealed record RestoreItsTables(string VmId) : HostInput<Done>;

/// <summary>KVM_DEV_ARM_ITS_CTRL_RESET.</summary>
public sealed record ResetIts(string VmId) : HostInput<Done>;
