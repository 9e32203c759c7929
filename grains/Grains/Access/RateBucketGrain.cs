using GridServer.Abstractions.Access;
using GridServer.Domain.Access;

namespace GridServer.Grains.Access;

/// <summary>Keeps one <see cref="TokenBucket"/> for the cluster; the silos' limiters take from it.</summary>
public sealed class RateBucketGrain(TimeProvider time) : Grain, IRateBucketGrain
{
    private TokenBucket? _bucket;

    public ValueTask<RateGrant> TakeAsync(int permitsPerMinute, int burst, int wanted)
    {
        var rule = new RateRule(permitsPerMinute, burst);
        if (rule.Problem() is { } problem) throw new ArgumentException(problem, nameof(permitsPerMinute));
        ArgumentOutOfRangeException.ThrowIfLessThan(wanted, 1);
        var now = time.GetUtcNow();
        if (_bucket is null) _bucket = new TokenBucket(rule, now);
        else _bucket.Change(rule, now);
        var (granted, retryAfter) = _bucket.Take(Math.Min(wanted, burst), now);
        return ValueTask.FromResult(new RateGrant(granted, retryAfter));
    }
}
