using GridServer.Notices;
using Microsoft.Extensions.Time.Testing;

namespace GridServer.Tests.Notices;

public class NoticeRetryTests
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    /// <summary>Waits (bounded) until the attempts reach <paramref name="count"/>: the retry loop runs on the thread pool.</summary>
    private static async Task AttemptsReachAsync(Func<int> attempts, int count)
    {
        for (var i = 0; i < 200 && attempts() < count; i++) await Task.Delay(10);
        Assert.Equal(count, attempts());
    }

    [Fact]
    public async Task FailsTwiceThenArrives_TriedAfterEachDelayOnly_NoFailureLeft()
    {
        var time = new FakeTimeProvider();
        var attempts = 0;
        var retried = new List<int>();
        var run = NoticeRetry.RunAsync(() => ++attempts <= 2 ? throw new InvalidOperationException("inbox away") : Task.CompletedTask, Delays, time,
            (_, attempt) => retried.Add(attempt));

        await AttemptsReachAsync(() => attempts, 1);
        time.Advance(TimeSpan.FromMilliseconds(999));
        await Task.Delay(50);
        Assert.Equal(1, attempts);   // not before its delay
        time.Advance(TimeSpan.FromMilliseconds(1));
        await AttemptsReachAsync(() => attempts, 2);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, attempts);
        Assert.Equal([1, 2], retried);
    }

    [Fact]
    public async Task NeverArrives_GivenUpAfterTheLastDelay_TheLastFailureAnswered()
    {
        var time = new FakeTimeProvider();
        var attempts = 0;
        var run = NoticeRetry.RunAsync(() => throw new InvalidOperationException($"attempt {++attempts}"), Delays, time);
        foreach (var (delay, n) in Delays.Select((d, i) => (d, i + 1)))
        {
            await AttemptsReachAsync(() => attempts, n);
            time.Advance(delay);
        }

        var failure = await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Delays.Length + 1, attempts);
        Assert.Equal("attempt 4", Assert.IsType<InvalidOperationException>(failure).Message);
    }
}
