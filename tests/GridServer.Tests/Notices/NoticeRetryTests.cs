using GridServer.Tests.Support;
using GridServer.Notices;
using Microsoft.Extensions.Time.Testing;

namespace GridServer.Tests.Notices;

public class NoticeRetryTests
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    /// <summary>
    /// A fake clock that counts the timers asked of it: the retry loop runs on the thread pool, and a test may move the
    /// clock only once the loop's wait is registered, or the move passes before the wait begins and the wait never ends.
    /// </summary>
    private sealed class WaitCountingTime : FakeTimeProvider
    {
        private int created;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref created);
            return timer;
        }

        /// <summary>Waits (bounded, generously for a busy machine) until <paramref name="count"/> waits are registered.</summary>
        public async Task WaitsRegisteredAsync(int count)
        {
            await Eventually.HoldsAsync($"{count} waits registered", () => Task.FromResult(Volatile.Read(ref created) >= count), Eventually.Patience, TimeSpan.FromMilliseconds(10));
            Assert.Equal(count, Volatile.Read(ref created));
        }
    }

    [Fact]
    public async Task FailsTwiceThenArrives_TriedAfterEachDelayOnly_NoFailureLeft()
    {
        var time = new WaitCountingTime();
        var attempts = 0;
        var retried = new List<int>();
        var run = NoticeRetry.RunAsync(() => ++attempts <= 2 ? throw new InvalidOperationException("inbox away") : Task.CompletedTask, Delays, time,
            (_, attempt) => retried.Add(attempt));

        await time.WaitsRegisteredAsync(1);
        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.Equal(1, attempts);   // not before its delay
        time.Advance(TimeSpan.FromMilliseconds(1));
        await time.WaitsRegisteredAsync(2);
        Assert.Equal(2, attempts);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, attempts);
        Assert.Equal([1, 2], retried);
    }

    [Fact]
    public async Task NeverArrives_GivenUpAfterTheLastDelay_TheLastFailureAnswered()
    {
        var time = new WaitCountingTime();
        var attempts = 0;
        var run = NoticeRetry.RunAsync(() => throw new InvalidOperationException($"attempt {++attempts}"), Delays, time);
        foreach (var (delay, n) in Delays.Select((d, i) => (d, i + 1)))
        {
            await time.WaitsRegisteredAsync(n);
            Assert.Equal(n, attempts);
            time.Advance(delay);
        }

        var failure = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Delays.Length + 1, attempts);
        Assert.Equal("attempt 4", Assert.IsType<InvalidOperationException>(failure).Message);
    }
}
