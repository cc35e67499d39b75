using System.Buffers.Binary;
using GicService.Domain.Its;
using GicService.Domain.Lpis;
using GicService.Domain.Vms;

namespace GicService.Differential.Qemu;

/// <summary>
/// QEMU's ITS and redistributors on the virt board, brought up as GicService's <c>setup: "ready"</c>
/// brings up a VM (src/Domain/Vms/Vm.cs PerformReadySetup), with every <see cref="ReadyLayout"/>
/// guest-physical address moved onto QEMU's RAM at <see cref="RamBase"/>. Commands go into the queue
/// and GITS_CWRITER one at a time, so the guest-error text of each is known.
/// </summary>
public sealed class QemuIts : IDisposable
{
    // The virt board's memory map (hw/arm/virt.c): GICv3 ITS, redistributors and RAM.
    public const ulong ItsBase = 0x0808_0000;
    public const ulong RedistributorBase = 0x080A_0000;
    public const ulong RedistributorStride = 0x2_0000;
    public const ulong RamBase = 0x4000_0000;

    /// <summary>QEMU's interrupt translation entries are 12 bytes (GITS_TYPER.ITT_entry_size = 0xB); KVM's are 8.</summary>
    public const int IteBytes = 12;

    /// <summary>Bytes of a pending table for 16 ID bits.</summary>
    public const int PendingTableBytes = 1 << (ReadyLayout.LpiIdBits - 3);

    private const ulong CtlrOffset = 0x0000;
    private const ulong CbaserOffset = 0x0080;
    private const ulong CwriterOffset = 0x0088;
    private const ulong CreadrOffset = 0x0090;
    private const ulong Baser0Offset = 0x0100;
    private const ulong Baser1Offset = 0x0108;
    private const ulong TranslaterOffset = 0x1_0040;
    private const ulong GicrCtlr = 0x0000;
    private const ulong GicrPropbaser = 0x0070;
    private const ulong GicrPendbaser = 0x0078;

    private readonly QtestClient _qtest;
    private ulong _cwriter;

    private QemuIts(QtestClient qtest, int vcpus, int memoryMiB)
    {
        _qtest = qtest;
        Vcpus = vcpus;
        MemoryMiB = memoryMiB;
    }

    public int Vcpus { get; }

    public int MemoryMiB { get; }

    public long RoundTrips => _qtest.RoundTrips;

    public static QemuIts Start(int vcpus, int memoryMiB)
    {
        var qtest = QtestClient.Start(QemuInstallation.Path, vcpus, memoryMiB, Path.Combine(Path.GetTempPath(), "gicservice-differential"));
        var its = new QemuIts(qtest, vcpus, memoryMiB);
        try
        {
            its.BringUp();
            return its;
        }
        catch
        {
            qtest.Dispose();
            throw;
        }
    }

    /// <summary>The QEMU address of a GicService guest-physical address.</summary>
    public static ulong Gpa(ulong domainGpa) => RamBase + domainGpa;

    public static ulong Redistributor(uint vcpu) => RedistributorBase + vcpu * RedistributorStride;

    /// <summary>
    /// Back to the state right after bring-up: ITS disabled, tables, queue and pending tables zeroed,
    /// GITS_CBASER rewritten (QEMU zeroes CREADR, Stalled included), CWRITER 0, ITS enabled again.
    /// The property table and the redistributors keep their bring-up values (nothing changes them).
    /// </summary>
    public void Reset()
    {
        var requests = new List<string>
        {
            $"writel 0x{ItsBase + CtlrOffset:x} 0x0",
            QtestClient.MemsetRequest(Gpa(ReadyLayout.CommandQueue), ReadyLayout.CommandQueueBytes, 0),
            QtestClient.MemsetRequest(Gpa(ReadyLayout.DeviceTable), ReadyLayout.TablePages * GitsBaser.PageSize, 0),
            QtestClient.MemsetRequest(Gpa(ReadyLayout.CollectionTable), ReadyLayout.TablePages * GitsBaser.PageSize, 0),
        };
        for (var vcpu = 0u; vcpu < Vcpus; vcpu++)
        {
            // A stream may have cleared EnableLPIs; the pending table is zeroed before it is set again.
            requests.Add($"writel 0x{Redistributor(vcpu) + GicrCtlr:x} 0x0");
            requests.Add(QtestClient.MemsetRequest(Gpa(ReadyLayout.PendingTable(vcpu)), ReadyLayout.PendingTableStride, 0));
            requests.Add($"writel 0x{Redistributor(vcpu) + GicrCtlr:x} 0x1");
        }

        requests.AddRange(ProgramItsRequests());
        var answers = _qtest.Batch(requests);
        CheckEnabled(answers);
        _qtest.TakeLog();
    }

    /// <summary>
    /// Queue one 32-byte command at CWRITER and advance CWRITER past it; QEMU processes it inside the
    /// register write. Returns the guest-error text logged meanwhile and CREADR after.
    /// </summary>
    public QemuCommandOutcome Execute(ReadOnlySpan<byte> command)
    {
        _qtest.TakeLog();
        var slot = Gpa(ReadyLayout.CommandQueue) + _cwriter;
        _cwriter = (_cwriter + 32) % ReadyLayout.CommandQueueBytes;
        var answers = _qtest.Batch(
        [
            QtestClient.WriteRequest(slot, command),
            $"writeq 0x{ItsBase + CwriterOffset:x} 0x{_cwriter:x}",
            $"readq 0x{ItsBase + CreadrOffset:x}",
        ]);
        var log = _qtest.TakeLog();
        var creadr = QtestClient.ParseHex(answers[2]);
        return new QemuCommandOutcome(log, creadr & ~1UL, (creadr & 1) != 0, _cwriter);
    }

    /// <summary>GICR_CTLR of <paramref name="vcpu"/>'s redistributor := EnableLPIs; returns the guest-error text logged meanwhile.</summary>
    public string SetEnableLpis(uint vcpu, bool enable)
    {
        _qtest.TakeLog();
        var answers = _qtest.Batch([$"writel 0x{Redistributor(vcpu) + GicrCtlr:x} 0x{(enable ? 1 : 0)}", $"readl 0x{Redistributor(vcpu) + GicrCtlr:x}"]);
        if ((QtestClient.ParseHex(answers[1]) & 1) != (enable ? 1UL : 0UL))
        {
            throw new InvalidOperationException($"QEMU redistributor {vcpu}: GICR_CTLR reads 0x{QtestClient.ParseHex(answers[1]):x} after writing EnableLPIs {enable}");
        }

        return _qtest.TakeLog();
    }

    /// <summary>
    /// An MSI: a 32-bit write of <paramref name="eventId"/> to GITS_TRANSLATER. QEMU takes the DeviceID
    /// from the requester id, which is 0 for qtest accesses. With <paramref name="itsDisabled"/> the
    /// write comes between GITS_CTLR := 0 and GITS_CTLR := 1. Returns the guest-error text logged meanwhile.
    /// </summary>
    public QemuCommandOutcome SignalMsi(uint eventId, bool itsDisabled = false)
    {
        _qtest.TakeLog();
        var requests = new List<string> { $"writel 0x{ItsBase + TranslaterOffset:x} 0x{eventId:x}" };
        if (itsDisabled)
        {
            requests.Insert(0, $"writel 0x{ItsBase + CtlrOffset:x} 0x0");
            requests.Add($"writel 0x{ItsBase + CtlrOffset:x} 0x1");
        }

        requests.Add($"readq 0x{ItsBase + CreadrOffset:x}");
        var answers = _qtest.Batch(requests);
        var creadr = QtestClient.ParseHex(answers[^1]);
        return new QemuCommandOutcome(_qtest.TakeLog(), creadr & ~1UL, (creadr & 1) != 0, _cwriter);
    }

    /// <summary>
    /// Use up the first <paramref name="slots"/> queue slots with SYNCs in one CWRITER write, so the
    /// next command goes to slot <paramref name="slots"/>. Returns the log text and CREADR after.
    /// </summary>
    public QemuCommandOutcome Prime(int slots, ReadOnlySpan<byte> sync)
    {
        _qtest.TakeLog();
        var bytes = new byte[slots * 32];
        for (var i = 0; i < slots; i++)
        {
            sync.CopyTo(bytes.AsSpan(i * 32));
        }

        _cwriter = (ulong)bytes.Length % ReadyLayout.CommandQueueBytes;
        var answers = _qtest.Batch(
        [
            QtestClient.WriteRequest(Gpa(ReadyLayout.CommandQueue), bytes),
            $"writeq 0x{ItsBase + CwriterOffset:x} 0x{_cwriter:x}",
            $"readq 0x{ItsBase + CreadrOffset:x}",
        ]);
        var creadr = QtestClient.ParseHex(answers[2]);
        return new QemuCommandOutcome(_qtest.TakeLog(), creadr & ~1UL, (creadr & 1) != 0, _cwriter);
    }

    /// <summary>For every vCPU, the bytes of each (offset, length) window of its pending table, in one batch.</summary>
    public byte[][][] ReadPending(IReadOnlyList<(int Offset, int Length)> windows)
    {
        var requests = new List<string>();
        for (var vcpu = 0u; vcpu < Vcpus; vcpu++)
        {
            requests.AddRange(windows.Select(w => QtestClient.ReadRequest(Gpa(ReadyLayout.PendingTable(vcpu)) + (ulong)w.Offset, w.Length)));
        }

        var answers = _qtest.Batch(requests);
        var result = new byte[Vcpus][][];
        for (var vcpu = 0; vcpu < Vcpus; vcpu++)
        {
            result[vcpu] = windows.Select((w, i) => QtestClient.ParseRead(answers[vcpu * windows.Count + i], w.Length)).ToArray();
        }

        return result;
    }

    /// <summary>Bytes [offset, offset + length) of vCPU <paramref name="vcpu"/>'s LPI pending table.</summary>
    public byte[] ReadPending(uint vcpu, int offset, int length) => _qtest.Read(Gpa(ReadyLayout.PendingTable(vcpu)) + (ulong)offset, length);

    public bool IsPending(uint vcpu, uint intId) => (ReadPending(vcpu, (int)(intId / 8), 1)[0] & (1 << (int)(intId % 8))) != 0;

    public void SetPending(uint vcpu, uint intId, bool pending)
    {
        var address = Gpa(ReadyLayout.PendingTable(vcpu)) + intId / 8;
        var value = _qtest.Read(address, 1)[0];
        var bit = (byte)(1 << (int)(intId % 8));
        _qtest.Write(address, [pending ? (byte)(value | bit) : (byte)(value & ~bit)]);
    }

    /// <summary>Zero <paramref name="bytes"/> of guest RAM at a GicService guest-physical address.</summary>
    public void Zero(ulong domainGpa, ulong bytes) => _qtest.Memset(Gpa(domainGpa), bytes, 0);

    /// <summary>QEMU's DTE of <paramref name="deviceId"/> (IMPDEF, 8 bytes: Valid[0], Size[5:1], ITT_addr[51:8] at [49:6]).</summary>
    public QemuDte ReadDte(uint deviceId)
    {
        var raw = ReadU64(Gpa(ReadyLayout.DeviceTable) + deviceId * 8UL);
        return new QemuDte((raw & 1) != 0, (int)((raw >> 1) & 0x1F), ((raw >> 6) & ((1UL << 44) - 1)) << 8);
    }

    /// <summary>QEMU's CTE of <paramref name="icid"/> (IMPDEF, 8 bytes: Valid[0], RDbase[16:1]).</summary>
    public QemuCte ReadCte(ushort icid)
    {
        var raw = ReadU64(Gpa(ReadyLayout.CollectionTable) + icid * 8UL);
        return new QemuCte((raw & 1) != 0, (uint)((raw >> 1) & 0xFFFF));
    }

    /// <summary>
    /// QEMU's ITEs for <paramref name="count"/> events from <paramref name="firstEvent"/> in the ITT at QEMU
    /// address <paramref name="ittAddress"/> (IMPDEF, 12 bytes each; the low word holds Valid[0],
    /// IntType[1] (1 = physical), INTID[25:2], ICID[47:32], vPEID[63:48]).
    /// </summary>
    public QemuIte[] ReadItes(ulong ittAddress, uint firstEvent, int count)
    {
        var bytes = _qtest.Read(ittAddress + firstEvent * (ulong)IteBytes, count * IteBytes);
        var ites = new QemuIte[count];
        for (var i = 0; i < count; i++)
        {
            var raw = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i * IteBytes));
            ites[i] = new QemuIte((raw & 1) != 0, ((raw >> 1) & 1) != 0, (uint)((raw >> 2) & 0xFF_FFFF), (ushort)(raw >> 32), raw);
        }

        return ites;
    }

    /// <summary>Rewrite the ICID of a valid ITE in place (the harness uses it to keep KVM's orphaned ITEs orphaned).</summary>
    public void WriteIteIcid(ulong ittAddress, uint eventId, ushort icid)
    {
        var address = ittAddress + eventId * (ulong)IteBytes;
        var raw = ReadU64(address);
        raw = (raw & ~(0xFFFFUL << 32)) | ((ulong)icid << 32);
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, raw);
        _qtest.Write(address, bytes);
    }

    public ulong ReadItsRegister(ulong offset) => _qtest.ReadQ(ItsBase + offset);

    public uint ReadItsRegister32(ulong offset) => _qtest.ReadL(ItsBase + offset);

    public void Dispose() => _qtest.Dispose();

    private ulong ReadU64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(_qtest.Read(address, 8));

    /// <summary>What PerformReadySetup does, at QEMU's addresses.</summary>
    private void BringUp()
    {
        var property = LpiProperty.From(enabled: true, ReadyLayout.DefaultLpiPriority).Raw;
        var lpiCount = (1UL << ReadyLayout.LpiIdBits) - IntId.FirstLpi;
        _qtest.Memset(Gpa(ReadyLayout.PropertyTable), lpiCount, property);

        var propBaser = Gpa(ReadyLayout.PropertyTable) | (1UL << 10) | (3UL << 7) | (ReadyLayout.LpiIdBits - 1);
        for (var vcpu = 0u; vcpu < Vcpus; vcpu++)
        {
            _qtest.Memset(Gpa(ReadyLayout.PendingTable(vcpu)), ReadyLayout.PendingTableStride, 0);
            var rd = Redistributor(vcpu);
            _qtest.WriteQ(rd + GicrPropbaser, propBaser);
            _qtest.WriteQ(rd + GicrPendbaser, Gpa(ReadyLayout.PendingTable(vcpu)) | (1UL << 10) | (3UL << 7) | (1UL << 62));
            _qtest.WriteL(rd + GicrCtlr, 1);
            if ((_qtest.ReadL(rd + GicrCtlr) & 1) == 0)
            {
                throw new InvalidOperationException($"QEMU redistributor {vcpu} refused GICR_CTLR.EnableLPIs");
            }
        }

        _qtest.Memset(Gpa(ReadyLayout.CommandQueue), ReadyLayout.CommandQueueBytes, 0);
        _qtest.Memset(Gpa(ReadyLayout.DeviceTable), ReadyLayout.TablePages * GitsBaser.PageSize, 0);
        _qtest.Memset(Gpa(ReadyLayout.CollectionTable), ReadyLayout.TablePages * GitsBaser.PageSize, 0);
        CheckEnabled(_qtest.Batch(ProgramItsRequests().ToList()));
        var log = _qtest.TakeLog();
        if (log.Length > 0)
        {
            throw new InvalidOperationException($"QEMU logged guest errors during the ready bring-up:\n{log}");
        }
    }

    private IEnumerable<string> ProgramItsRequests()
    {
        _cwriter = 0;
        yield return $"writeq 0x{ItsBase + CbaserOffset:x} 0x{GitsCbaser.Make(Gpa(ReadyLayout.CommandQueue), ReadyLayout.CommandQueueBytes):x}";
        yield return $"writeq 0x{ItsBase + CwriterOffset:x} 0x0";
        yield return $"writeq 0x{ItsBase + Baser0Offset:x} 0x{GitsBaser.MakeFlat(GitsBaser.TypeDevice, Gpa(ReadyLayout.DeviceTable), ReadyLayout.TablePages):x}";
        yield return $"writeq 0x{ItsBase + Baser1Offset:x} 0x{GitsBaser.MakeFlat(GitsBaser.TypeCollection, Gpa(ReadyLayout.CollectionTable), ReadyLayout.TablePages):x}";
        yield return $"writel 0x{ItsBase + CtlrOffset:x} 0x1";
        yield return $"readl 0x{ItsBase + CtlrOffset:x}";
        yield return $"readq 0x{ItsBase + CreadrOffset:x}";
    }

    /// <summary>The last two answers of <see cref="ProgramItsRequests"/>: GITS_CTLR.Enabled set and CREADR 0.</summary>
    private static void CheckEnabled(string[] answers)
    {
        var ctlr = QtestClient.ParseHex(answers[^2]);
        var creadr = QtestClient.ParseHex(answers[^1]);
        if ((ctlr & 1) == 0 || creadr != 0)
        {
            throw new InvalidOperationException($"QEMU ITS not ready after bring-up: GITS_CTLR 0x{ctlr:x}, GITS_CREADR 0x{creadr:x}");
        }
    }
}

public sealed record QemuCommandOutcome(string Log, ulong Creadr, bool Stalled, ulong Cwriter)
{
    /// <summary>QEMU reports a command error only as guest-error text (spec/qemu-vs-kvm.md).</summary>
    public bool Failed => Log.Length > 0;
}

public readonly record struct QemuDte(bool Valid, int Size, ulong IttAddress);

public readonly record struct QemuCte(bool Valid, uint RdBase);

public readonly record struct QemuIte(bool Valid, bool Physical, uint IntId, ushort Icid, ulong Raw);
