using System.Diagnostics;
using Microsoft.Playwright;

namespace GicService.Browser.Tests.Support;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright never downloads a browser: it launches /usr/bin/chromium,
/// which scripts/install-chromium.sh installs (apt-get) when it is missing.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The repository root (where GicService.sln is).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            await InstallChromium();
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Args,
            Timeout = 60_000,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    private static async Task InstallChromium()
    {
        var script = Path.Combine(RepositoryRoot, "scripts", "install-chromium.sh");
        using var install = Process.Start(new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = install.StandardOutput.ReadToEndAsync();
        var error = install.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await install.WaitForExitAsync(timeout.Token);
        Assert.True(install.ExitCode == 0 && File.Exists(ChromiumPath),
            $"{script} failed ({install.ExitCode}): {await output}{await error}");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GicService.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No GicService.sln above {AppContext.BaseDirectory}.");
    }
}
