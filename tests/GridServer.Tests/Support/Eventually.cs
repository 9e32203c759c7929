namespace GridServer.Tests.Support;

/// <summary>
/// Waits for a condition of a running system with a bound: polled, never a fixed sleep taken as the answer. Every
/// poll in the suite goes through here, so that the bound (generous, for a busy machine) is set in one way.
/// </summary>
public static class Eventually
{
    /// <summary>How long a poll waits unless told: long enough for a CI machine shared with other work.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> (500 ms) until it holds; fails naming <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static async Task HoldsAsync(string what, Func<Task<bool>> condition, TimeSpan within, TimeSpan? poll = null) =>
        await ValueAsync(what, condition, static holds => holds, within, poll);

    /// <summary>
    /// Reads <paramref name="read"/> every <paramref name="poll"/> (500 ms) until <paramref name="done"/> holds for what it
    /// read, and answers that; fails naming <paramref name="what"/> and the last value after <paramref name="within"/>
    /// (<see cref="Patience"/> unless told).
    /// </summary>
    public static async Task<T> ValueAsync<T>(string what, Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null, TimeSpan? poll = null)
    {
        var bound = within ?? Patience;
        var until = DateTime.UtcNow + bound;
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > until) Assert.Fail($"not within {bound.TotalSeconds:F0} s: {what} (last: {value})");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500));
        }
    }
}
