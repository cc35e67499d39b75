using GicService.Differential.Streams;

namespace GicService.Differential.Runs;

/// <summary>
/// Shrinks a failing stream further than CsCheck's size-driven search: cut after the step where the
/// difference showed, drop steps one at a time while it still fails, drop noise, start the queue at
/// slot 0 and use fewer vCPUs. Deterministic, so a replayed seed shrinks to the same stream.
/// </summary>
public static class StreamMinimizer
{
    /// <summary>The smallest stream found that still fails, and its failure.</summary>
    public static (CommandStream Stream, DifferentialMismatchException Failure) Minimize(
        CommandStream stream, DifferentialMismatchException failure, Func<CommandStream, DifferentialMismatchException?> run, int budget = 400)
    {
        var runs = 0;
        bool Try(CommandStream candidate)
        {
            if (runs++ >= budget || candidate.Steps.Count == 0)
            {
                return false;
            }

            if (run(candidate) is { } e)
            {
                (stream, failure) = (candidate, e);
                return true;
            }

            return false;
        }

        if (failure.StepIndex is { } index && index + 1 < stream.Steps.Count)
        {
            Try(stream with { Steps = stream.Steps.Take(index + 1).ToList() });
        }

        for (var pass = 0; pass < 4; pass++)
        {
            var changed = false;
            for (var i = stream.Steps.Count - 1; i >= 0; i--)
            {
                if (i < stream.Steps.Count && Try(stream with { Steps = stream.Steps.Where((_, j) => j != i).ToList() }))
                {
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        for (var i = 0; i < stream.Steps.Count; i++)
        {
            if (!stream.Steps[i].Noise.IsNone)
            {
                var steps = stream.Steps.ToList();
                steps[i] = steps[i] with { Noise = CommandNoise.None };
                Try(stream with { Steps = steps });
            }
        }

        if (stream.QueueStart != 0)
        {
            Try(stream with { QueueStart = 0 });
        }

        for (var vcpus = 1; vcpus < stream.Vcpus; vcpus++)
        {
            if (Try(stream with { Vcpus = vcpus }))
            {
                break;
            }
        }

        return (stream, failure);
    }
}
