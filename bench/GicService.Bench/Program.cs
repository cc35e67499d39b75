using BenchmarkDotNet.Running;
using GicService.Bench;

// dotnet run -c Release --project bench/GicService.Bench -- --filter '*'              (default job)
// dotnet run -c Release --project bench/GicService.Bench -- --filter '*' --job short  (quick: 1 launch, 3 warm-ups, 3 iterations)
// dotnet run -c Release --project bench/GicService.Bench -- scale                     (set-up time and memory of a large host)
// dotnet run -c Release --project bench/GicService.Bench -- durability                (inputs/s with durability on vs off, runner and HTTP)
// dotnet run -c Release --project bench/GicService.Bench -- recovery [inputs]         (restart time of a host with 1,000,000 journaled inputs)
// dotnet run -c Release --project bench/GicService.Bench -- authcost [seconds] [rounds] (MSI route with API keys and rate limiting vs off)
// See docs/benchmarks.md.
if (args is ["scale"])
{
    ScaleSetup.Run();
    return;
}

if (args is ["durability", ..])
{
    await DurabilityBench.RunAsync(args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
    return;
}

if (args is ["recovery", ..])
{
    await RecoveryBench.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    return;
}

if (args is ["authcost", ..])
{
    await AuthCostBench.RunAsync(
        args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 9);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
