using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GicService.Infrastructure.Tests.Support;

/// <summary>Keeps every message logged (level and text), so tests can check what recovery reported.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<(LogLevel Level, string Message)> _entries;

    public ListLogger(ConcurrentQueue<(LogLevel, string)> entries) => _entries = entries;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            _entries.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
