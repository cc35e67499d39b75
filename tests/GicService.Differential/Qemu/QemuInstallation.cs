using System.Diagnostics;

namespace GicService.Differential.Qemu;

/// <summary>
/// Finds Debian's <c>qemu-system-aarch64</c>, installing package qemu-system-arm with
/// <c>scripts/install-qemu.sh</c> when it is missing. When it cannot be had the differential fails
/// with the reason: it never passes without having run QEMU.
/// </summary>
public static class QemuInstallation
{
    public const string Executable = "qemu-system-aarch64";

    private static readonly Lazy<string> Located = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The full path of qemu-system-aarch64; throws with the install log when it cannot be installed.</summary>
    public static string Path => Located.Value;

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "GicService.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"GicService.sln not found above {AppContext.BaseDirectory}");
        }
    }

    private static string Locate()
    {
        if (Find() is { } found)
        {
            return found;
        }

        var script = System.IO.Path.Combine(RepositoryRoot, "scripts", "install-qemu.sh");
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        string output;
        int exitCode;
        using (var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {script}"))
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"{script} did not finish within 15 minutes");
            }

            exitCode = process.ExitCode;
            output = stdout.Result + stderr.Result;
        }

        return Find() ?? throw new InvalidOperationException(
            $"QEMU is required by the differential test and could not be installed: {Executable} is not on PATH after " +
            $"'bash scripts/install-qemu.sh' (exit code {exitCode}). Install Debian's qemu-system-arm " +
            $"(apt-get install qemu-system-arm) as root. Last output:\n{Tail(output)}");
    }

    private static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            if (dir.Length == 0)
            {
                continue;
            }

            var candidate = System.IO.Path.Combine(dir, Executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n');
        return string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 30)));
    }
}
