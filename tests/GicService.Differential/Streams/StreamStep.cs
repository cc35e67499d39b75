using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using GicService.Domain.Its.Commands;

namespace GicService.Differential.Streams;

/// <summary>
/// One command of a stream: a command record, encoded with the project's codec, plus optional
/// <see cref="CommandNoise"/> in bits neither KVM nor QEMU decodes for that opcode. With
/// <paramref name="AsMsi"/> an INT for DeviceID 0 is instead sent as an MSI: KVM_SIGNAL_MSI on
/// GicService, a GITS_TRANSLATER write on QEMU (whose qtest accesses carry requester id 0). With
/// <paramref name="Redistributor"/> the step is no command but a GICR_CTLR write that sets or clears
/// one vCPU's EnableLPIs. With <paramref name="ItsDisabled"/> an MSI is sent while the guest has
/// cleared GITS_CTLR.Enabled, which it sets again right after.
/// </summary>
public sealed record StreamStep(ItsCommand Command, CommandNoise Noise = default, bool AsMsi = false, LpiSwitch? Redistributor = null, bool ItsDisabled = false)
{
    public static StreamStep SetEnableLpis(uint vcpu, bool enable) => new(new Sync(0), Redistributor: new LpiSwitch(vcpu, enable));

    /// <summary>The 32 bytes GicService gets: ITT addresses are GicService guest-physical addresses.</summary>
    public byte[] Encode() => WithNoise(ItsCommandCodec.Encode(Command));

    /// <summary>The 32 bytes QEMU gets: the same command with its ITT address moved onto QEMU's RAM.</summary>
    public byte[] EncodeForQemu(ulong ramBase) => WithNoise(ItsCommandCodec.Encode(Command switch
    {
        Mapd m => m with { IttAddress = m.IttAddress + ramBase },
        var other => other,
    }));

    public override string ToString()
    {
        if (Redistributor is { } write)
        {
            return $"GICR_CTLR.EnableLPIs of vCPU {write.Vcpu} := {(write.Enable ? 1 : 0)}";
        }

        if (AsMsi && Command is Int msi)
        {
            return $"MSI dev={Hex(msi.DeviceId.Value)} ev={Hex(msi.EventId.Value)}{(ItsDisabled ? " with GITS_CTLR.Enabled = 0" : string.Empty)}";
        }

        var text = Describe(Command);
        return Noise.IsNone ? text : $"{text} {Noise}";
    }

    /// <summary>The step as C# that rebuilds it, for pasting a shrunk stream into a regression test.</summary>
    public string ToCSharp()
    {
        if (Redistributor is { } write)
        {
            return $"StreamStep.SetEnableLpis({write.Vcpu}, {Bool(write.Enable)})";
        }

        var command = Command switch
        {
            Mapd c => $"new Mapd(new DeviceId({Hex(c.DeviceId.Value)}), {c.Size}, {Hex(c.IttAddress)}, {Bool(c.Valid)})",
            Mapc c => $"new Mapc(new CollectionId({Hex(c.CollectionId.Value)}), {Hex(c.RdBase)}, {Bool(c.Valid)})",
            Mapti c => $"new Mapti(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}), new IntId({c.IntId.Value}), new CollectionId({Hex(c.CollectionId.Value)}))",
            Mapi c => $"new Mapi(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}), new CollectionId({Hex(c.CollectionId.Value)}))",
            Movi c => $"new Movi(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}), new CollectionId({Hex(c.CollectionId.Value)}))",
            Int c => $"new Int(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}))",
            Clear c => $"new Clear(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}))",
            Discard c => $"new Discard(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}))",
            Inv c => $"new Inv(new DeviceId({Hex(c.DeviceId.Value)}), new EventId({Hex(c.EventId.Value)}))",
            Invall c => $"new Invall(new CollectionId({Hex(c.CollectionId.Value)}))",
            Movall c => $"new Movall({Hex(c.RdBase1)}, {Hex(c.RdBase2)})",
            Sync c => $"new Sync({Hex(c.RdBase)})",
            UnknownCommand c => $"new UnknownCommand(0x{c.RawOpcode:x2})",
            var other => $"ItsCommandCodec.Decode(Convert.FromHexString(\"{Convert.ToHexStringLower(ItsCommandCodec.Encode(other))}\"))",
        };
        if (AsMsi)
        {
            return ItsDisabled ? $"new StreamStep({command}, AsMsi: true, ItsDisabled: true)" : $"new StreamStep({command}, AsMsi: true)";
        }

        return Noise.IsNone
            ? $"new StreamStep({command})"
            : $"new StreamStep({command}, new CommandNoise({Hex(Noise.Dw0)}, {Hex(Noise.Dw1)}, {Hex(Noise.Dw2)}, {Hex(Noise.Dw3)}))";
    }

    private static string Describe(ItsCommand command) => command switch
    {
        Mapd c => $"MAPD dev={Hex(c.DeviceId.Value)} size={c.Size} itt={Hex(c.IttAddress)} V={(c.Valid ? 1 : 0)}",
        Mapc c => $"MAPC icid={Hex(c.CollectionId.Value)} rd={Hex(c.RdBase)} V={(c.Valid ? 1 : 0)}",
        Mapti c => $"MAPTI dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)} intid={c.IntId.Value} icid={Hex(c.CollectionId.Value)}",
        Mapi c => $"MAPI dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)} icid={Hex(c.CollectionId.Value)}",
        Movi c => $"MOVI dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)} icid={Hex(c.CollectionId.Value)}",
        Int c => $"INT dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)}",
        Clear c => $"CLEAR dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)}",
        Discard c => $"DISCARD dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)}",
        Inv c => $"INV dev={Hex(c.DeviceId.Value)} ev={Hex(c.EventId.Value)}",
        Invall c => $"INVALL icid={Hex(c.CollectionId.Value)}",
        Movall c => $"MOVALL rd1={Hex(c.RdBase1)} rd2={Hex(c.RdBase2)}",
        Sync c => $"SYNC rd={Hex(c.RdBase)}",
        var other => $"{other.Mnemonic} raw={Convert.ToHexStringLower(ItsCommandCodec.Encode(other))}",
    };

    private byte[] WithNoise(byte[] raw)
    {
        ulong[] words = [Noise.Dw0, Noise.Dw1, Noise.Dw2, Noise.Dw3];
        for (var i = 0; i < 4; i++)
        {
            var span = raw.AsSpan(i * 8, 8);
            BinaryPrimitives.WriteUInt64LittleEndian(span, BinaryPrimitives.ReadUInt64LittleEndian(span) ^ words[i]);
        }

        return raw;
    }

    private static string Hex(ulong value) => value < 10 ? value.ToString(CultureInfo.InvariantCulture) : $"0x{value:x}";

    private static string Bool(bool value) => value ? "true" : "false";
}

/// <summary>A GICR_CTLR write of one vCPU's redistributor: EnableLPIs set or cleared.</summary>
public readonly record struct LpiSwitch(uint Vcpu, bool Enable);

/// <summary>
/// A stream: the VM's vCPU count, the commands in queue order, and how many queue slots SYNCs use up
/// first (<paramref name="QueueStart"/>), so that some streams wrap around the end of the 64 KiB queue.
/// </summary>
public sealed record CommandStream(int Vcpus, IReadOnlyList<StreamStep> Steps, int QueueStart = 0)
{
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{Steps.Count} commands on a {Vcpus}-vCPU VM, queue from slot {QueueStart}:");
        for (var i = 0; i < Steps.Count; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  [{i}] {Steps[i]}");
        }

        return text.ToString();
    }

    /// <summary>The stream as C# for a regression test (<c>new CommandStream(...)</c>).</summary>
    public string ToCSharp() =>
        $"new CommandStream({Vcpus}, [\n    {string.Join(",\n    ", Steps.Select(s => s.ToCSharp()))},\n], QueueStart: {QueueStart})";
}
