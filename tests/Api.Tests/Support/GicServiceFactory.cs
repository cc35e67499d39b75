using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace GicService.Api.Tests.Support;

/// <summary>
/// The service in memory, quiet (request logging off so test output stays readable), with its database in
/// a fresh temporary directory that is removed when the factory is disposed (unless <see cref="KeepData"/>).
/// </summary>
public class GicServiceFactory : WebApplicationFactory<Program>
{
    /// <summary>Where this factory's service keeps its database; by default a new temporary directory.</summary>
    public string DataDirectory { get; init; } = NewDataDirectory();

    /// <summary>Leave the data directory in place on dispose, so another factory can recover from it.</summary>
    public bool KeepData { get; init; }

    /// <summary>Extra configuration (Storage:SnapshotEvery, ...) applied after the defaults.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "gicservice-tests", Guid.NewGuid().ToString("N"));

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:GicService.Infrastructure", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware", "Warning");
        builder.UseSetting("Storage:DataDirectory", DataDirectory);
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!KeepData)
        {
            DeleteDirectory(DataDirectory);
        }
    }

    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
