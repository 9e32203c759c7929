using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace GridServer.Tests.Support;

/// <summary>
/// Keeps the formatted messages of one logging category (or of all, when <paramref name="category"/> is null), so a
/// test can see what the server logged. Only what the logging configuration lets through reaches it.
/// </summary>
public sealed class RecordingLoggerProvider(string? category) : ILoggerProvider
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public ILogger CreateLogger(string categoryName) => category is null || categoryName == category ? new Recorder(categoryName, Messages) : Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    public void Dispose()
    {
    }

    private sealed class Recorder(string categoryName, ConcurrentQueue<string> messages) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            messages.Enqueue($"{logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)} [{categoryName}]");
    }
}
