using System.Collections.Immutable;

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
    public static async Task<Exception?> RunAsync(Func<Task> attempt, IReadOnlyList<TimeSpan> delays, TimeProvider time, Action<Exception, int>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentNullException.ThrowIfNull(delays);
        ArgumentNullException.ThrowIfNull(time);
        for (var tried = 1; ; tried++)
        {
            try
            {
                await attempt();
                return null;
            }
            catch (Exception e)   // a delivery's fault is the caller's to log, never the case's
            {
                if (tried > delays.Count) return e;
                onRetry?.Invoke(e, tried);
                await Task.Delay(delays[tried - 1], time);
            }
        }
    }
}
