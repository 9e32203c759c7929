using System.Collections.Immutable;
using Polly;
using Polly.Retry;

namespace GridServer.Notices;

/// <summary>
/// Tries a notice's delivery again after a failure, waiting longer each time, a few times only: an inbox that is
/// briefly unreachable (its silo restarting, a storage hiccup) still gets the notice; one that stays broken is given up
/// and logged. Receivers de-duplicate by notice id, so a delivery that arrived but whose answer was lost is harmless.
/// </summary>
public static class NoticeRetry
{
    /// <summary>The waits before the second, third and fourth attempt.</summary>
    public static ImmutableArray<TimeSpan> Delays { get; } = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds or every delay is spent; answers null on success, else the last
    /// failure. <paramref name="onRetry"/> hears of each failure that is tried again, with the number of the attempt that failed.
    /// </summary>
    /// <remarks>Polly's retry, with the delays given one by one (no jitter: they are few and long) on the given clock.</remarks>
    public static async Task<Exception?> RunAsync(Func<Task> attempt, IReadOnlyList<TimeSpan> delays, TimeProvider time, Action<Exception, int>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(delays);
        ArgumentNullException.ThrowIfNull(time);
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = time };
        if (delays.Count > 0)
        {
            pipeline.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = delays.Count,
                // Any failure is tried again: a delivery's fault is the caller's to log, never the case's.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(delays[args.AttemptNumber]),
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.Outcome.Exception!, args.AttemptNumber + 1);
                    return default;
                },
            });
        }
        try
        {
            await pipeline.Build().ExecuteAsync(async _ => await attempt().ConfigureAwait(false)).ConfigureAwait(false);
            return null;
        }
        catch (Exception e)   // the last failure, once every delay is spent
        {
            return e;
        }
    }
}
