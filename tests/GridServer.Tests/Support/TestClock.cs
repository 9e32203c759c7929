using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace GridServer.Tests.Support;

/// <summary>
/// The test cluster's domain clock, one per test that moves time. A test starts its own (<see cref="Start"/>); its id
/// travels with every grain call the test makes, in Orleans' request context, and on from those grains to the grains
/// they call, so that every grain its calls reach reads the test's clock. A timer made during such a call runs on that
/// clock too. A call that carries no test clock reads <see cref="Shared"/>, which no test moves.
/// </summary>
/// <remarks>
/// Why: tests of one cluster share its grains' clock. A test that moved a shared clock moved it for every other test
/// running then, and for the fire-and-forget work earlier tests left behind (a liaison's window ending, a webhook's
/// retry falling due).
/// </remarks>
public sealed class TestClock : IDisposable
{
    private const string ContextKey = "gridserver.test-clock";

    /// <summary>The clock of calls that carry none: it starts on a Monday, 09:00 in UTC+8, and never moves.</summary>
    public static readonly FakeTimeProvider Shared = new(Start0);

    private static DateTimeOffset Start0 => new(2026, 11, 30, 1, 0, 0, TimeSpan.Zero);

    private static readonly ConcurrentDictionary<string, FakeTimeProvider> Clocks = new(StringComparer.Ordinal);

    private readonly string _id = Guid.NewGuid().ToString("N");
    private readonly object? _previous;

    private TestClock(DateTimeOffset start)
    {
        Clock = new FakeTimeProvider(start);
        Clocks[_id] = Clock;
        _previous = Orleans.Runtime.RequestContext.Get(ContextKey);
        Orleans.Runtime.RequestContext.Set(ContextKey, _id);
    }

    /// <summary>A clock of the test's own, from now on read by every grain the test's calls reach; dispose at the test's end.</summary>
    public static TestClock Start() => new(Start0);

    public FakeTimeProvider Clock { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    public void Advance(TimeSpan by) => Clock.Advance(by);

    public void Dispose()
    {
        if (_previous is null) Orleans.Runtime.RequestContext.Remove(ContextKey);
        else Orleans.Runtime.RequestContext.Set(ContextKey, _previous);
        Clocks.TryRemove(_id, out _);
    }

    /// <summary>What the silos register as the domain clock: the clock of the call being served.</summary>
    public sealed class Router : TimeProvider
    {
        public static readonly Router Instance = new();

        private static FakeTimeProvider Current =>
            Orleans.Runtime.RequestContext.Get(ContextKey) is string id && Clocks.TryGetValue(id, out var clock) ? clock : Shared;

        public override DateTimeOffset GetUtcNow() => Current.GetUtcNow();

        public override long GetTimestamp() => Current.GetTimestamp();

        public override long TimestampFrequency => Shared.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Current.CreateTimer(callback, state, dueTime, period);
    }
}
