using System.Threading.RateLimiting;
using GridServer.Silo.Open311;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Access;

/// <summary>
/// Public intake's rate limit: a token bucket per reporter credential (<see cref="IntakeRateLimit.PermitsPerMinute"/>,
/// up to <see cref="IntakeRateLimit.Burst"/> at once). Per silo: a cluster of n silos behind a balancer lets a key
/// through up to n times faster.
/// </summary>
public sealed class IntakeLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly TimeSpan _perToken;

    /// <summary>Reports one key may submit per minute.</summary>
    public int PerMinute { get; }

    public IntakeLimiter(IOptions<Open311Options> options)
    {
        var o = options.Value.RateLimit;
        PerMinute = o.PermitsPerMinute;
        // Refill in whole tokens as often as the rate allows, but at least every second.
        _perToken = TimeSpan.FromMinutes(1.0 / o.PermitsPerMinute);
        var period = _perToken < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : _perToken;
        var perPeriod = (int)Math.Clamp(Math.Round(o.PermitsPerMinute * period.TotalMinutes), 1, int.MaxValue);
        _limiter = PartitionedRateLimiter.Create<string, string>(credential => RateLimitPartition.GetTokenBucketLimiter(credential, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = Math.Max(o.Burst, perPeriod),
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Takes one report's token; when none is left, how long until the next one comes.</summary>
    public (bool Allowed, TimeSpan RetryAfter) TryTake(Caller caller)
    {
        using var lease = _limiter.AttemptAcquire(caller.CredentialId);
        if (lease.IsAcquired) return (true, TimeSpan.Zero);
        return (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : _perToken);
    }

    public void Dispose() => _limiter.Dispose();
}
