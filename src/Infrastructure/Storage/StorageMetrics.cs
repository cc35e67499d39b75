using System.Diagnostics.Metrics;

namespace GicService.Infrastructure.Storage;

/// <summary>
/// The journal's instruments on the meter <c>GicService.Infrastructure</c> (docs/operations.md): how long each
/// group commit took and how many inputs it carried. Recorded on the storage writer's thread, once a transaction.
/// </summary>
public sealed class StorageMetrics
{
    public const string MeterName = "GicService.Infrastructure";

    private static readonly KeyValuePair<string, object?> Committed = new("outcome", "committed");
    private static readonly KeyValuePair<string, object?> Failed = new("outcome", "failed");

    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _commitInputs;

    public StorageMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _commitDuration = meter.CreateHistogram("gicservice.journal.commit.duration", "s",
            "Time to write and commit one journal transaction (a group commit), by outcome.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
            });
        _commitInputs = meter.CreateHistogram("gicservice.journal.commit.inputs", "{input}",
            "Inputs written by one committed journal transaction (the group commit's batch size).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] });
    }

    /// <summary>One transaction: its duration, and for a committed one the inputs it carried.</summary>
    internal void Commit(TimeSpan duration, int inputs, bool committed)
    {
        _commitDuration.Record(duration.TotalSeconds, committed ? Committed : Failed);
        if (committed)
        {
            _commitInputs.Record(inputs);
        }
    }
}
