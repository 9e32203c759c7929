namespace GridServer.Console.Tests.Support;

/// <summary>Bounded polling: a condition is waited for, never a fixed time; the failure names what did not happen.</summary>
public static class Wait
{
    public static async Task UntilAsync(string what, Func<Task<bool>> condition, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (true)
        {
            if (await condition()) return;
            if (DateTime.UtcNow > until) throw new TimeoutException($"waited {within.TotalSeconds:F0} s for: {what}");
            await Task.Delay(200);
        }
    }
}
