using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace GicService.Differential.Runs;

/// <summary>Counts for the closing line of a differential run: streams, commands compared, and how often each known difference came up.</summary>
public sealed class RunStatistics
{
    private readonly ConcurrentDictionary<KnownDifference, long> _differences = new();
    private readonly ConcurrentDictionary<string, long> _outcomes = new();
    private long _streams;
    private long _commands;
    private long _httpStreams;

    public long Streams => Interlocked.Read(ref _streams);

    public long Commands => Interlocked.Read(ref _commands);

    public long HttpStreams => Interlocked.Read(ref _httpStreams);

    public void CountStream() => Interlocked.Increment(ref _streams);

    public void CountCommand() => Interlocked.Increment(ref _commands);

    public void CountHttpStream() => Interlocked.Increment(ref _httpStreams);

    /// <summary>Coverage: how often each command ended how on GicService (for example "INT ok", "MAPTI error MAPTI_ID_OOR").</summary>
    public void CountOutcome(string outcome) => _outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);

    public void Count(KnownDifference row) => _differences.AddOrUpdate(row, 1, (_, n) => n + 1);

    public long this[KnownDifference row] => _differences.GetValueOrDefault(row);

    public string Summary(TimeSpan elapsed)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"differential: {Streams} streams (seeds), {Commands} commands compared with QEMU, {HttpStreams} streams also over HTTP, {elapsed.TotalSeconds:F1} s");
        foreach (var row in Enum.GetValues<KnownDifference>())
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  row {(int)row,2} {row}: {this[row]}");
        }

        text.Append("\n  outcomes on GicService:");
        foreach (var (outcome, count) in _outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            text.Append(CultureInfo.InvariantCulture, $"\n    {outcome}: {count}");
        }

        return text.ToString();
    }
}
