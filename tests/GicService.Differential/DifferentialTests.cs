using System.Diagnostics;
using System.Text.RegularExpressions;
using CsCheck;
using GicService.Differential.Runs;
using GicService.Differential.Streams;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace GicService.Differential;

/// <summary>
/// GicService's virtual ITS against QEMU's ITS on random command streams (issue 7). Every stream runs
/// on QEMU through qtest and on the domain in process; about one in ten is replayed over HTTP too. A
/// failure prints the CsCheck seed, the shrunk stream, the trace of both sides and the command that
/// reruns it. The soak: <c>DIFF_SEEDS=100000 dotnet test tests/GicService.Differential</c>.
/// </summary>
public sealed partial class DifferentialTests(DifferentialFixture fixture, ITestOutputHelper output) : IClassFixture<DifferentialFixture>
{
    private const string TestName = nameof(GicService_AgreesWithQemu_OnRandomCommandStreams);

    [Fact]
    public void GicService_AgreesWithQemu_OnRandomCommandStreams()
    {
        var settings = DifferentialSettings.FromEnvironment();
        var statistics = new RunStatistics();
        var runner = new StreamRunner(statistics);
        var http = new HttpShare(fixture.Http);
        var clock = Stopwatch.StartNew();
        var failures = new System.Collections.Concurrent.ConcurrentBag<(CommandStream Stream, DifferentialMismatchException Failure)>();
        try
        {
            StreamGenerator.Streams(settings.MaxCommands).Sample(
                stream =>
                {
                    StreamResult result;
                    try
                    {
                        result = Run(runner, stream);
                    }
                    catch (DifferentialMismatchException e)
                    {
                        failures.Add((stream, e));
                        throw;
                    }

                    if (settings.HttpEvery > 0 && StableHash(stream) % (ulong)settings.HttpEvery == 0)
                    {
                        http.Check(result);
                        statistics.CountHttpStream();
                    }
                },
                seed: settings.Seed,
                iter: settings.Seeds,
                threads: settings.Threads,
                print: stream => stream.ToString());
        }
        catch (Exception e) when (e is not XunitException)
        {
            var summary = statistics.Summary(clock.Elapsed);
            output.WriteLine(summary);
            throw new XunitException(FailureReport(e, failures, summary));
        }

        var done = statistics.Summary(clock.Elapsed);
        output.WriteLine(done);
        WriteSummaryFile(done);
        Assert.True(statistics.Streams == settings.Seeds, $"{statistics.Streams} of {settings.Seeds} streams ran");
    }

    /// <summary>
    /// The seed and the stream CsCheck shrank to, that stream minimised further (StreamMinimizer), the
    /// trace of both sides on it, the C# to keep it as a regression test, and the command that reruns it.
    /// </summary>
    private string FailureReport(Exception e, IEnumerable<(CommandStream Stream, DifferentialMismatchException Failure)> failures, string summary)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine("GicService and QEMU's ITS disagree.");
        text.AppendLine(e.Message);
        var smallest = failures.OrderBy(f => f.Stream.Steps.Count).FirstOrDefault();
        if (smallest.Stream is null)
        {
            text.AppendLine(e.InnerException?.ToString() ?? e.ToString());
        }
        else
        {
            var runner = new StreamRunner(new RunStatistics());
            var (minimal, failure) = StreamMinimizer.Minimize(smallest.Stream, smallest.Failure, candidate =>
            {
                try
                {
                    Run(runner, candidate);
                    return null;
                }
                catch (DifferentialMismatchException mismatch)
                {
                    return mismatch;
                }
            });
            text.AppendLine($"Minimal stream ({minimal.Steps.Count} of the {smallest.Stream.Steps.Count} commands CsCheck shrank to):");
            text.AppendLine(failure.Message);
            text.AppendLine("As C# (for a regression test in RegressionStreams):");
            text.AppendLine(minimal.ToCSharp());
        }

        text.AppendLine();
        text.AppendLine("Rerun just this seed with:");
        text.AppendLine($"  {Rerun(e.Message)}");
        text.Append(summary);
        return text.ToString();
    }

    private StreamResult Run(StreamRunner runner, CommandStream stream)
    {
        var qemu = fixture.Qemu.Rent(stream.Vcpus);
        try
        {
            var result = runner.Run(stream, qemu);
            fixture.Qemu.Return(qemu);
            return result;
        }
        catch
        {
            fixture.Qemu.Discard(qemu);
            throw;
        }
    }

    /// <summary>The command that replays the failing seed (CsCheck prints it as <c>seed: "..."</c>).</summary>
    private static string Rerun(string message)
    {
        var seed = SeedPattern().Match(message) is { Success: true } m ? m.Groups[1].Value : "<seed printed above>";
        return $"DIFF_SEED={seed} DIFF_SEEDS=1 dotnet test tests/GicService.Differential --filter FullyQualifiedName~{TestName}";
    }

    /// <summary>Which streams also go over HTTP: a hash of the stream, so a replay takes the same path.</summary>
    private static ulong StableHash(CommandStream stream)
    {
        var hash = 14695981039346656037UL;
        void Add(byte b) => hash = (hash ^ b) * 1099511628211UL;
        Add((byte)stream.Vcpus);
        foreach (var step in stream.Steps)
        {
            foreach (var b in step.Encode())
            {
                Add(b);
            }
        }

        return hash;
    }

    /// <summary>The closing numbers, also as a file beside the test binaries (TestResults/differential-summary.txt).</summary>
    private static void WriteSummaryFile(string summary)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "differential-summary.txt"), summary + Environment.NewLine);
    }

    [GeneratedRegex("[Ss]eed[^\"]*\"([^\"]+)\"")]
    private static partial Regex SeedPattern();
}
