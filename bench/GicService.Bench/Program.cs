using BenchmarkDotNet.Running;
using GicService.Bench;

// dotnet run -c Release --project bench/GicService.Bench -- --filter '*'              (default job)
// dotnet run -c Release --project bench/GicService.Bench -- --filter '*' --job short  (quick: 1 launch, 3 warm-ups, 3 iterations)
// dotnet run -c Release --project bench/GicService.Bench -- scale                     (set-up time and memory of a large host)
// See docs/benchmarks.md.
if (args is ["scale"])
{
    ScaleSetup.Run();
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
