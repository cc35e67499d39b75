using System.Globalization;

namespace GicService.Api.Tests.Robustness;

/// <summary>
/// The fuzz's knobs, from the environment: <c>FUZZ_REQUESTS</c> (fuzzed requests to send at least, default
/// 100,000), <c>FUZZ_SEED</c> (a CsCheck seed to start from, printed by a failure), <c>FUZZ_SESSIONS</c>
/// (sessions run at once, each on its own host, default 16), <c>FUZZ_FULL_EVERY</c> (one session in this many
/// compares the host's whole state before and after every request, default 8; 0 = none).
/// </summary>
public sealed record FuzzSettings(int Requests, string? Seed, int Sessions, int FullCheckEvery)
{
    public const int DefaultRequests = 100_000;

    public static FuzzSettings FromEnvironment() => new(
        Int("FUZZ_REQUESTS", DefaultRequests, min: 1),
        Environment.GetEnvironmentVariable("FUZZ_SEED") is { Length: > 0 } seed ? seed : null,
        Int("FUZZ_SESSIONS", 16, min: 1),
        Int("FUZZ_FULL_EVERY", 8, min: 0));

    public static int Int(string name, int fallback, int min)
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
