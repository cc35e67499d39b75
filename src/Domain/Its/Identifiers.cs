namespace GicService.Domain.Its;

// Architected identifiers. Their width is the width of their command field (spec/its.md §2.2);
// whether a value is in range for a particular ITS is decided where it enters that ITS.

/// <summary>A DeviceID (command field DW0[63:32]).</summary>
public readonly record struct DeviceId(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An EventID (command field DW1[31:0]; for an MSI, the message data).</summary>
public readonly record struct EventId(uint Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An interrupt ID; LPIs start at 8192.</summary>
public readonly record struct IntId(uint Value)
{
    public const uint FirstLpi = 8192;

    public bool IsLpi => Value >= FirstLpi;

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An interrupt collection ID, ICID (command field DW2[15:0]).</summary>
public readonly record struct CollectionId(ushort Value)
{
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
