using System.Globalization;

namespace GicService.Differential;

/// <summary>
/// The differential's knobs, from the environment: <c>DIFF_SEEDS</c> (streams to run, default 1000),
/// <c>DIFF_SEED</c> (a CsCheck seed to start from, printed by a failure), <c>DIFF_THREADS</c> (streams
/// run at once, each on its own QEMU), <c>DIFF_COMMANDS</c> (longest stream), <c>DIFF_HTTP_EVERY</c>
/// (about one stream in this many is replayed over HTTP; 0 = none).
/// </summary>
public sealed record DifferentialSettings(int Seeds, string? Seed, int Threads, int MaxCommands, int HttpEvery)
{
    public const int DefaultSeeds = 1000;

    public static DifferentialSettings FromEnvironment() => new(
        Int("DIFF_SEEDS", DefaultSeeds, min: 1),
        Environment.GetEnvironmentVariable("DIFF_SEED") is { Length: > 0 } seed ? seed : null,
        Int("DIFF_THREADS", 2, min: 1),
        Int("DIFF_COMMANDS", Streams.StreamGenerator.MaxCommands, min: 1),
        Int("DIFF_HTTP_EVERY", 10, min: 0));

    private static int Int(string name, int fallback, int min)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
            ? value
            : throw new ArgumentException($"{name}={text}: expected an integer >= {min}");
    }
}
