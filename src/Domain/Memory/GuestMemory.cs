using System.Buffers.Binary;

namespace GicService.Domain.Memory;

/// <summary>
/// A VM's RAM, <c>[0, Size)</c>, stored sparsely in 4 KiB pages: a page never written reads as zero.
/// Accesses that leave RAM fail (return false), as a guest access to an address with no memory slot
/// does in KVM (<c>kvm_is_visible_gfn</c>).
/// </summary>
public sealed class GuestMemory
{
    public const int PageSize = 4096;
    private readonly Dictionary<ulong, byte[]> _pages = new();

    public GuestMemory(ulong size)
    {
        if (size == 0 || size % PageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "Guest memory size must be a non-zero multiple of 4 KiB.");
        }

        Size = size;
    }

    public ulong Size { get; }

    /// <summary>Number of pages that hold data (a measure of the memory the VM really uses).</summary>
    public int PopulatedPages => _pages.Count;

    /// <summary>How many pages a write of <paramref name="length"/> bytes at <paramref name="gpa"/> would populate that hold no data yet.</summary>
    public int UnpopulatedPages(ulong gpa, int length)
    {
        if (length <= 0)
        {
            return 0;
        }

        var count = 0;
        for (var page = gpa / PageSize; page <= (gpa + (ulong)length - 1) / PageSize; page++)
        {
            count += _pages.ContainsKey(page) ? 0 : 1;
        }

        return count;
    }

    public bool Contains(ulong gpa, ulong length = 1) => length <= Size && gpa <= Size - length;

    public bool TryRead(ulong gpa, Span<byte> destination)
    {
        if (!Contains(gpa, (ulong)destination.Length))
        {
            return false;
        }

        var done = 0;
        while (done < destination.Length)
        {
            var address = gpa + (ulong)done;
            var pageNumber = address / PageSize;
            var offset = (int)(address % PageSize);
            var chunk = Math.Min(PageSize - offset, destination.Length - done);
            if (_pages.TryGetValue(pageNumber, out var page))
            {
                page.AsSpan(offset, chunk).CopyTo(destination.Slice(done, chunk));
            }
            else
            {
                destination.Slice(done, chunk).Clear();
            }

            done += chunk;
        }

        return true;
    }

    public bool TryWrite(ulong gpa, ReadOnlySpan<byte> source)
    {
        if (!Contains(gpa, (ulong)source.Length))
        {
            return false;
        }

        var done = 0;
        while (done < source.Length)
        {
            var address = gpa + (ulong)done;
            var pageNumber = address / PageSize;
            var offset = (int)(address % PageSize);
            var chunk = Math.Min(PageSize - offset, source.Length - done);
            var data = source.Slice(done, chunk);
            if (!_pages.TryGetValue(pageNumber, out var page))
            {
                if (!data.ContainsAnyExcept((byte)0))
                {
                    done += chunk;
                    continue;
                }

                page = new byte[PageSize];
                _pages[pageNumber] = page;
            }

            data.CopyTo(page.AsSpan(offset, chunk));
            done += chunk;
        }

        return true;
    }

    public bool TryReadUInt64(ulong gpa, out ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        if (!TryRead(gpa, buffer))
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64LittleEndian(buffer);
        return true;
    }

    public bool TryWriteUInt64(ulong gpa, ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        return TryWrite(gpa, buffer);
    }

    public bool TryReadByte(ulong gpa, out byte value)
    {
        Span<byte> buffer = stackalloc byte[1];
        var ok = TryRead(gpa, buffer);
        value = buffer[0];
        return ok;
    }

    public bool TryWriteByte(ulong gpa, byte value) => TryWrite(gpa, [value]);

    /// <summary>The populated pages in address order, for snapshots.</summary>
    public IEnumerable<KeyValuePair<ulong, byte[]>> Pages => _pages.OrderBy(p => p.Key);

    /// <summary>Puts back a page a snapshot held (a copy of <paramref name="data"/>).</summary>
    internal void RestorePage(ulong pageNumber, byte[] data)
    {
        if (data.Length != PageSize || pageNumber >= Size / PageSize)
        {
            throw new ArgumentException($"Page {pageNumber} of {data.Length} bytes does not fit guest RAM of 0x{Size:x} bytes.", nameof(data));
        }

        _pages[pageNumber] = (byte[])data.Clone();
    }
}
