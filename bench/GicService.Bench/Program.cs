using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/GicService.Bench -- --filter '*'              (default job)
// dotnet run -c Release --project bench/GicService.Bench -- --filter '*' --job short  (quick: 1 launch, 3 warm-ups, 3 iterations)
// See docs/benchmarks.md.
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
