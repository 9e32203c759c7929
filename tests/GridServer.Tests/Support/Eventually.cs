namespace GridServer.Tests.Support;

/// <summary>Waits for a condition of a running system with a bound: polled, never a fixed sleep taken as the answer.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> every <paramref name="poll"/> (500 ms) until it holds; fails naming <paramref name="what"/> after <paramref name="within"/>.</summary>
    public static async Task HoldsAsync(string what, Func<Task<bool>> condition, TimeSpan within, TimeSpan? poll = null)
    {
        var until = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > until) Assert.Fail($"not within {within.TotalSeconds:F0} s: {what}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(500));
        }
    }
}
