using System.Globalization;
using System.Text;
using GicService.Domain.Its;
using GicService.Domain.Vms;

namespace GicService.Domain.Tests.Hosts;

/// <summary>
/// Everything a command or table operation may change, as one text, so "nothing changed" is one
/// equality: ITS registers (except the queue pointers), devices, ITEs, collections, the translation
/// cache, every LPI with its cached configuration and pending state, the redistributors, and a hash of
/// guest RAM outside the command queue (tables, pending tables, property table).
/// </summary>
internal static class StateSnapshot
{
    public static string Of(Vm vm, bool includeMemory = true)
    {
        var its = vm.Its;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"its enabled={its.Enabled} abi={its.AbiRevision} cbaser={its.Cbaser.Raw:x} baser0={its.DeviceBaser.Raw:x} baser1={its.CollectionBaser.Raw:x}\n");
        foreach (var device in its.Devices.Values)
        {
            text.Append(CultureInfo.InvariantCulture, $"device {device.Id} bits={device.EventIdBits} itt={device.IttAddress:x}\n");
            foreach (var ite in device.Ites.Values)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"  ite {ite.EventId} -> {ite.Lpi.IntId} collection={ite.Collection?.Id.ToString() ?? "none"}\n");
            }
        }

        foreach (var collection in its.Collections.Values)
        {
            text.Append(CultureInfo.InvariantCulture, $"collection {collection.Id} target={collection.Target?.ToString(CultureInfo.InvariantCulture) ?? "unmapped"}\n");
        }

        foreach (var (deviceId, eventId, lpi) in its.Cache.Entries.OrderBy(e => e.DeviceId).ThenBy(e => e.EventId))
        {
            text.Append(CultureInfo.InvariantCulture, $"cache ({deviceId},{eventId}) -> {lpi.IntId}\n");
        }

        foreach (var lpi in vm.Lpis.Lpis)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"lpi {lpi.IntId} target={lpi.TargetVcpu?.ToString(CultureInfo.InvariantCulture) ?? "none"} prio={lpi.Priority:x2} enabled={lpi.Enabled} pending={lpi.Pending} queued={lpi.Queued} refs={lpi.References}\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"propbaser={vm.Lpis.PropBaser:x}\n");
        foreach (var rd in vm.Redistributors)
        {
            text.Append(CultureInfo.InvariantCulture, $"rd {rd.VcpuId} enableLpis={rd.EnableLpis} pendbaser={rd.PendBaser:x}\n");
        }

        if (includeMemory)
        {
            text.Append(CultureInfo.InvariantCulture, $"memory {MemoryHash(vm):x16}\n");
        }

        return text.ToString();
    }

    /// <summary>FNV-1a over every non-zero page of guest RAM outside the command queue.</summary>
    private static ulong MemoryHash(Vm vm)
    {
        var queueStart = vm.Its.Cbaser.Address;
        var queueEnd = queueStart + vm.Its.Cbaser.QueueBytes;
        var hash = 14695981039346656037UL;
        foreach (var (pageNumber, page) in vm.Memory.Pages)
        {
            var address = pageNumber * (ulong)Memory.GuestMemory.PageSize;
            if ((vm.Its.Cbaser.Valid && address >= queueStart && address < queueEnd) || !page.AsSpan().ContainsAnyExcept((byte)0))
            {
                continue;
            }

            hash = (hash ^ pageNumber) * 1099511628211UL;
            foreach (var b in page)
            {
                hash = (hash ^ b) * 1099511628211UL;
            }
        }

        return hash;
    }
}
