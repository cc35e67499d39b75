using GicService.Domain.Mmio;

namespace GicService.Domain.Its;

/// <summary>Offsets in the ITS control frame (spec/its.md §1.2).</summary>
public enum ItsRegister
{
    Control = 0x0000,                // GITS_CTLR
    ImplementerId = 0x0004,          // GITS_IIDR
    Type = 0x0008,                   // GITS_TYPER
    CommandQueueBase = 0x0080,       // GITS_CBASER
    CommandWritePointer = 0x0088,    // GITS_CWRITER
    CommandReadPointer = 0x0090,     // GITS_CREADR
    TableBase0 = 0x0100,             // GITS_BASER0 (Device table)
    TableBase1 = 0x0108,             // GITS_BASER1 (Collection table)
    TableBase2 = 0x0110,             // GITS_BASER2..7: RAZ/WI in KVM
    TableBase3 = 0x0118,
    TableBase4 = 0x0120,
    TableBase5 = 0x0128,
    TableBase6 = 0x0130,
    TableBase7 = 0x0138,
    PeripheralId4 = 0xFFD0,          // GITS_PIDR4
    PeripheralId5 = 0xFFD4,          // GITS_PIDR5
    PeripheralId6 = 0xFFD8,          // GITS_PIDR6
    PeripheralId7 = 0xFFDC,          // GITS_PIDR7
    PeripheralId0 = 0xFFE0,          // GITS_PIDR0
    PeripheralId1 = 0xFFE4,          // GITS_PIDR1
    PeripheralId2 = 0xFFE8,          // GITS_PIDR2 (ArchRev 3)
    PeripheralId3 = 0xFFEC,          // GITS_PIDR3
    ComponentId0 = 0xFFF0,           // GITS_CIDR0
    ComponentId1 = 0xFFF4,           // GITS_CIDR1
    ComponentId2 = 0xFFF8,           // GITS_CIDR2
    ComponentId3 = 0xFFFC,           // GITS_CIDR3
}

/// <summary>The register names the API uses, with their offsets and widths.</summary>
public static class ItsRegisters
{
    private static readonly RegisterTable<ItsRegister> Table = new(
        ("GITS_CTLR", ItsRegister.Control, 4),
        ("GITS_IIDR", ItsRegister.ImplementerId, 4),
        ("GITS_TYPER", ItsRegister.Type, 8),
        ("GITS_CBASER", ItsRegister.CommandQueueBase, 8),
        ("GITS_CWRITER", ItsRegister.CommandWritePointer, 8),
        ("GITS_CREADR", ItsRegister.CommandReadPointer, 8),
        ("GITS_BASER0", ItsRegister.TableBase0, 8),
        ("GITS_BASER1", ItsRegister.TableBase1, 8),
        ("GITS_BASER2", ItsRegister.TableBase2, 8),
        ("GITS_BASER3", ItsRegister.TableBase3, 8),
        ("GITS_BASER4", ItsRegister.TableBase4, 8),
        ("GITS_BASER5", ItsRegister.TableBase5, 8),
        ("GITS_BASER6", ItsRegister.TableBase6, 8),
        ("GITS_BASER7", ItsRegister.TableBase7, 8),
        ("GITS_PIDR4", ItsRegister.PeripheralId4, 4),
        ("GITS_PIDR5", ItsRegister.PeripheralId5, 4),
        ("GITS_PIDR6", ItsRegister.PeripheralId6, 4),
        ("GITS_PIDR7", ItsRegister.PeripheralId7, 4),
        ("GITS_PIDR0", ItsRegister.PeripheralId0, 4),
        ("GITS_PIDR1", ItsRegister.PeripheralId1, 4),
        ("GITS_PIDR2", ItsRegister.PeripheralId2, 4),
        ("GITS_PIDR3", ItsRegister.PeripheralId3, 4),
        ("GITS_CIDR0", ItsRegister.ComponentId0, 4),
        ("GITS_CIDR1", ItsRegister.ComponentId1, 4),
        ("GITS_CIDR2", ItsRegister.ComponentId2, 4),
        ("GITS_CIDR3", ItsRegister.ComponentId3, 4));

    public static IEnumerable<string> Names => Table.Names;

    public static bool TryFind(string name, out ItsRegister offset, out int widthBytes) => Table.TryFind(name, out offset, out widthBytes);

    public static string NameOf(ItsRegister offset) => Table.NameOf(offset);

    public static int WidthOf(ItsRegister offset) => Table.WidthOf(offset);

    /// <summary>False for an offset KVM's register table does not list (GITS_TRANSLATER included): RAZ/WI (spec/its.md §1.1).</summary>
    public static bool IsListed(ItsRegister offset) => Table.IsListed(offset);
}
