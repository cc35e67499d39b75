using GicService.Api.Json;
using GicService.Domain.Its.Commands;

namespace GicService.Api.Contracts;

/// <summary>
/// A host ITS command as events carry it: <c>op</c>, the fields named as the GICv4 architecture names them
/// (camelCase; addresses as hex strings), and <c>raw</c>, the 32 bytes as they stand in the queue.
/// </summary>
public static class HostItsCommandResponse
{
    public static IReadOnlyDictionary<string, object> From(ItsCommand command, string raw)
    {
        var fields = new Dictionary<string, object> { ["op"] = command.Mnemonic };
        void Add(string name, object value) => fields[name] = value;
        switch (command)
        {
            case Vmapp c:
                Add("vpeId", c.VpeId); Add("rdBase", c.RdBase); Add("valid", c.Valid); Add("vptAddress", new Hex(c.VptAddress).ToString());
                Add("vptSize", c.VptSize); Add("alloc", c.Alloc); Add("ptz", c.Ptz); Add("vconfAddress", new Hex(c.VconfAddress).ToString());
                Add("defaultDoorbell", c.DefaultDoorbell);
                break;
            case Vmapti c:
                Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); Add("vpeId", c.VpeId); Add("vintId", c.VIntId.Value); Add("intId", c.DoorbellIntId);
                break;
            case Vmapi c:
                Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); Add("vpeId", c.VpeId); Add("intId", c.DoorbellIntId);
                break;
            case Vmovi c:
                Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); Add("vpeId", c.VpeId); Add("db", c.DoorbellValid); Add("intId", c.DoorbellIntId);
                break;
            case Vmovp c:
                Add("seqNum", c.SequenceNumber); Add("itsList", c.ItsList); Add("vpeId", c.VpeId); Add("rdBase", c.RdBase); Add("db", c.Db);
                Add("defaultDoorbell", c.DefaultDoorbell);
                break;
            case Vsync c: Add("vpeId", c.VpeId); break;
            case Vinvall c: Add("vpeId", c.VpeId); break;
            case Invdb c: Add("vpeId", c.VpeId); break;
            case Vsgi c:
                Add("vpeId", c.VpeId); Add("vintId", c.VIntId); Add("priority", c.Priority); Add("group", c.Group); Add("clear", c.Clear); Add("enable", c.Enable);
                break;
            case Mapd c: Add("deviceId", c.DeviceId.Value); Add("size", c.Size); Add("ittAddress", new Hex(c.IttAddress).ToString()); Add("valid", c.Valid); break;
            case Mapc c: Add("collectionId", c.CollectionId.Value); Add("rdBase", c.RdBase); Add("valid", c.Valid); break;
            case Mapti c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); Add("intId", c.IntId.Value); Add("collectionId", c.CollectionId.Value); break;
            case Mapi c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); Add("collectionId", c.CollectionId.Value); break;
            case Movi c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); Add("collectionId", c.CollectionId.Value); break;
            case Movall c: Add("rdBase", c.RdBase1); Add("rdBase2", c.RdBase2); break;
            case Sync c: Add("rdBase", c.RdBase); break;
            case Invall c: Add("collectionId", c.CollectionId.Value); break;
            case Int c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); break;
            case Clear c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); break;
            case Inv c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); break;
            case Discard c: Add("deviceId", c.DeviceId.Value); Add("eventId", c.EventId.Value); break;
        }

        fields["raw"] = raw;
        return fields;
    }
}
