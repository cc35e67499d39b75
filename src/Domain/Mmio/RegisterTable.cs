namespace GicService.Domain.Mmio;

/// <summary>
/// A frame's registers as the API names them: name, offset and width. Names match case-insensitively; an offset
/// the table does not list is RAZ/WI in KVM.
/// </summary>
public sealed class RegisterTable<TOffset>(params (string Name, TOffset Offset, int Width)[] entries)
    where TOffset : struct, Enum
{
    public IEnumerable<string> Names => entries.Select(e => e.Name);

    public bool TryFind(string name, out TOffset offset, out int widthBytes)
    {
        foreach (var entry in entries)
        {
            if (string.Equals(entry.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                (offset, widthBytes) = (entry.Offset, entry.Width);
                return true;
            }
        }

        (offset, widthBytes) = (default, 0);
        return false;
    }

    public bool IsListed(TOffset offset) => Array.Exists(entries, e => e.Offset.Equals(offset));

    public string NameOf(TOffset offset) => Array.Find(entries, e => e.Offset.Equals(offset)).Name
        ?? throw new ArgumentOutOfRangeException(nameof(offset), offset, "Not a listed register.");

    /// <summary>The register's width in bytes, 0 for an offset not listed.</summary>
    public int WidthOf(TOffset offset) => Array.Find(entries, e => e.Offset.Equals(offset)).Width;
}
