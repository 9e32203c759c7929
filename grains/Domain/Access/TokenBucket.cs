namespace GridServer.Domain.Access;

/// <summary>
/// A rate: <see cref="PermitsPerMinute"/> on average, up to <see cref="Burst"/> at once. Both at least 1.
/// </summary>
public readonly record struct RateRule(int PermitsPerMinute, int Burst)
{
    /// <summary>The problem with these numbers, or null.</summary>
    public string? Problem() =>
        PermitsPerMinute < 1 ? "PermitsPerMinute must be at least 1" : Burst < 1 ? "Burst must be at least 1" : null;
}

/// <summary>
/// A token bucket: full at <see cref="RateRule.Burst"/> tokens, refilled continuously at the rule's rate. Not
/// thread-safe: one owner (a grain) calls it. Time comes from the caller, so tests move it by hand.
/// </summary>
public sealed class TokenBucket
{
    private double _tokens;
    private DateTimeOffset _at;

    public TokenBucket(RateRule rule, DateTimeOffset now)
    {
        if (rule.Problem() is { } problem) throw new ArgumentException(problem, nameof(rule));
        Rule = rule;
        _tokens = rule.Burst;
        _at = now;
    }

    public RateRule Rule { get; private set; }

    /// <summary>Tokens there now (a fraction while refilling).</summary>
    public double Available(DateTimeOffset now)
    {
        Refill(now);
        return _tokens;
    }

    /// <summary>
    /// Takes up to <paramref name="wanted"/> whole tokens. Granted is how many were taken (0 when none is there);
    /// when fewer than wanted, <c>RetryAfter</c> says when the next whole token comes.
    /// </summary>
    public (int Granted, TimeSpan RetryAfter) Take(int wanted, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        Refill(now);
        var granted = (int)Math.Min(wanted, Math.Floor(_tokens));
        _tokens -= granted;
        if (granted == wanted) return (granted, TimeSpan.Zero);
        var missing = 1 - (_tokens - Math.Floor(_tokens));
        // Whole milliseconds, rounded up (after the floating point's noise is rounded away).
        var milliseconds = Math.Ceiling(Math.Round(missing / Rule.PermitsPerMinute * 60_000, 6));
        return (granted, TimeSpan.FromMilliseconds(milliseconds));
    }

    /// <summary>A changed rule (the bureau's setting): keeps the tokens there, capped at the new burst.</summary>
    public void Change(RateRule rule, DateTimeOffset now)
    {
        if (rule.Problem() is { } problem) throw new ArgumentException(problem, nameof(rule));
        if (rule == Rule) return;
        Refill(now);
        Rule = rule;
        _tokens = Math.Min(_tokens, rule.Burst);
    }

    private void Refill(DateTimeOffset now)
    {
        // A clock that went back adds nothing and takes nothing.
        if (now > _at) _tokens = Math.Min(Rule.Burst, _tokens + (now - _at).TotalMinutes * Rule.PermitsPerMinute);
        if (now > _at) _at = now;
    }
}
