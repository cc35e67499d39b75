using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GicService.Differential.Qemu;

/// <summary>
/// One <c>qemu-system-aarch64</c> process driven through the qtest text protocol on its stdin/stdout
/// (spec/qemu-vs-kvm.md): one request line, one <c>OK [0x...]</c> or <c>FAIL ...</c> answer line.
/// Guest errors go to a log file (<c>-d guest_errors -D FILE</c>); <see cref="TakeLog"/> returns the
/// text added since the previous call, so the caller can attribute it to the access in between.
/// </summary>
public sealed class QtestClient : IDisposable
{
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StreamWriter _stdin;
    private readonly StreamReader _stdout;
    private readonly FileStream _log;
    private readonly StringBuilder _stderr = new();
    private readonly string _logPath;
    private bool _disposed;

    private QtestClient(Process process, string logPath)
    {
        _process = process;
        _stdin = process.StandardInput;
        _stdin.AutoFlush = false;
        _stdin.NewLine = "\n";
        _stdout = process.StandardOutput;
        _logPath = logPath;
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();

        // QEMU creates the log file lazily; wait for the first answer so it exists before it is opened.
        Command("readl 0x0");
        _log = WaitForLog(logPath);
    }

    public int Cpus { get; private init; }

    /// <summary>Number of request/answer round trips so far.</summary>
    public long RoundTrips { get; private set; }

    /// <summary>
    /// Start QEMU's virt board with a GICv3 and its ITS. <c>-S</c> keeps the vCPUs stopped: Debian's build
    /// has no qtest accelerator (<c>-accel qtest</c> is refused), so without it TCG would execute the
    /// kernel-less guest and burn a core.
    /// </summary>
    public static QtestClient Start(string executable, int cpus, int memoryMiB, string workDirectory)
    {
        Directory.CreateDirectory(workDirectory);
        var logPath = Path.Combine(workDirectory, $"qemu-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "-M", "virt,gic-version=3,its=on", "-smp", cpus.ToString(CultureInfo.InvariantCulture),
                     "-m", $"{memoryMiB}M", "-S", "-display", "none", "-nodefaults",
                     "-qtest", "stdio", "-qtest-log", "/dev/null", "-d", "guest_errors", "-D", logPath,
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {executable}");
        try
        {
            return new QtestClient(process, logPath) { Cpus = cpus };
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    /// <summary>Send one qtest request and return the text after <c>OK</c> (empty when there is none).</summary>
    public string Command(string line) => Batch([line])[0];

    /// <summary>
    /// Send several requests at once and then read their answers in order: QEMU handles qtest lines one
    /// after the other, so pipelining saves a process round trip per request.
    /// </summary>
    public string[] Batch(IReadOnlyList<string> lines)
    {
        RoundTrips++;
        foreach (var line in lines)
        {
            _stdin.Write(line);
            _stdin.Write('\n');
        }

        _stdin.Flush();
        var answers = new string[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            answers[i] = Answer(lines[i]);
        }

        return answers;
    }

    private string Answer(string line)
    {
        var read = _stdout.ReadLineAsync();
        if (!read.Wait(AnswerTimeout))
        {
            throw new InvalidOperationException($"qtest: no answer to '{Shorten(line)}' within {AnswerTimeout.TotalSeconds} s{StderrSuffix()}");
        }

        var answer = read.Result
            ?? throw new InvalidOperationException($"qtest: QEMU closed its output after '{Shorten(line)}'{StderrSuffix()}");
        if (answer == "OK")
        {
            return string.Empty;
        }

        if (answer.StartsWith("OK ", StringComparison.Ordinal))
        {
            return answer[3..];
        }

        throw new InvalidOperationException($"qtest: '{Shorten(line)}' answered '{answer}'");
    }

    public static string ReadRequest(ulong address, int length) => $"read 0x{address:x} 0x{length:x}";

    public static string WriteRequest(ulong address, ReadOnlySpan<byte> data) =>
        $"write 0x{address:x} 0x{data.Length:x} 0x{Convert.ToHexStringLower(data)}";

    public static string MemsetRequest(ulong address, ulong length, byte value) => $"memset 0x{address:x} 0x{length:x} 0x{value:x2}";

    /// <summary>The bytes of a <c>read</c> answer.</summary>
    public static byte[] ParseRead(string answer, int length)
    {
        if (!answer.StartsWith("0x", StringComparison.Ordinal) || answer.Length != 2 + 2 * length)
        {
            throw new InvalidOperationException($"qtest: read of {length} bytes answered '{Shorten(answer)}'");
        }

        return Convert.FromHexString(answer.AsSpan(2));
    }

    public static ulong ParseHex(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"qtest: expected a hex value, got '{text}'");

    public ulong ReadQ(ulong address) => ParseHex(Command($"readq 0x{address:x}"));

    public uint ReadL(ulong address) => (uint)ParseHex(Command($"readl 0x{address:x}"));

    public void WriteQ(ulong address, ulong value) => Command($"writeq 0x{address:x} 0x{value:x}");

    public void WriteL(ulong address, uint value) => Command($"writel 0x{address:x} 0x{value:x}");

    /// <summary>Write bytes in memory order (<c>write ADDR SIZE 0xHEX</c>: the hex digits are the bytes, first byte first).</summary>
    public void Write(ulong address, ReadOnlySpan<byte> data) => Command(WriteRequest(address, data));

    /// <summary>Read bytes in memory order (<c>read ADDR SIZE</c>).</summary>
    public byte[] Read(ulong address, int length) => ParseRead(Command(ReadRequest(address, length)), length);

    public void Memset(ulong address, ulong length, byte value) => Command(MemsetRequest(address, length, value));

    /// <summary>The guest-error log text QEMU wrote since the previous call.</summary>
    public string TakeLog()
    {
        var length = _log.Length;
        if (length == _log.Position)
        {
            return string.Empty;
        }

        var buffer = new byte[length - _log.Position];
        _log.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _log.Dispose();
        Kill(_process);
        _process.Dispose();
        try
        {
            File.Delete(_logPath);
        }
        catch (IOException)
        {
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static FileStream WaitForLog(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (FileNotFoundException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "...";

    private string StderrSuffix()
    {
        lock (_stderr)
        {
            return _stderr.Length == 0 ? string.Empty : $"; QEMU stderr: {_stderr}";
        }
    }
}
