using GicService.Domain.Events;
using GicService.Domain.Inputs;
using GicService.Domain.Its;

namespace GicService.Domain.Hosts;

// Save, restore and reset of a VM's ITS (spec/its.md §5): KVM's device attributes, driven over HTTP.
public sealed partial class Host
{
    private object SaveItsTables(SaveItsTables input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        // SAVE_PENDING_TABLES then SAVE_TABLES; both planned first so a failure writes nothing.
        var pendingWrites = new Dictionary<ulong, byte>();
        var tableWrites = new List<(ulong Address, ulong Value)>();
        var errno = vm.Lpis.PlanSavePendingTables(pendingWrites)
            ?? vm.Its.PlanSaveTables(IsForwardedWithoutGicv41, tableWrites);
        if (errno is { } failure)
        {
            return failure == Errno.EACCES
                ? new Rejection(RejectionKind.Conflict,
                    "KVM cannot save an ITT that holds a forwarded LPI on a GICv4.0 host (-EACCES); nothing was written.", failure)
                : new Rejection(RejectionKind.Unprocessable, "A table or pending table to save lies outside guest RAM (-EFAULT); nothing was written.", failure);
        }

        foreach (var (address, value) in pendingWrites)
        {
            vm.Memory.TryWriteByte(address, value);
        }

        foreach (var (address, value) in tableWrites)
        {
            vm.Memory.TryWriteUInt64(address, value);
        }

        _events.Add(new ItsTablesOperation(vm.Id, "save"));
        return Done.Value;
    }

    /// <summary>vgic_its_save_itt: without GICv4.1 the state of a forwarded LPI cannot be read back.</summary>
    private bool IsForwardedWithoutGicv41(Lpis.Lpi lpi) => lpi.IsForwarded && Configuration.GicVersion == GicVersion.V4_0;

    private object RestoreItsTables(RestoreItsTables input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        var (errno, reason) = vm.Its.RestoreTables();
        if (errno is { } failure)
        {
            // KVM frees what it had restored so far; the plan-then-apply restore never starts, which leaves the same state.
            return new Rejection(failure == Errno.EEXIST ? RejectionKind.Conflict : RejectionKind.Unprocessable,
                $"KVM's RESTORE_TABLES fails with -{failure}: {reason}; nothing was restored.", failure);
        }

        _events.Add(new ItsTablesOperation(vm.Id, "restore"));
        return Done.Value;
    }

    private object ResetIts(ResetIts input)
    {
        if (Resolve(input.VmId, out var vm) is { } refused)
        {
            return refused;
        }

        vm.Its.Reset();
        _events.Add(new ItsTablesOperation(vm.Id, "reset"));
        return Done.Value;
    }
}
