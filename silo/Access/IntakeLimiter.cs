using GridServer.Domain.Access;
using GridServer.Silo.Open311;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Access;

/// <summary>
/// Public intake's rate limit: a token bucket per reporter (or sensor gateway) credential, for the whole cluster
/// (<see cref="IntakeRateLimit.PermitsPerMinute"/>, up to <see cref="IntakeRateLimit.Burst"/> at once): a key
/// behind n silos gets its rate, not n times it.
/// </summary>
public sealed class IntakeLimiter(ClusterRateLimiter limiter, IOptions<Open311Options> options)
{
    private readonly RateRule _rule = new(options.Value.RateLimit.PermitsPerMinute, options.Value.RateLimit.Burst);

    /// <summary>Reports one key may submit per minute.</summary>
    public int PerMinute => _rule.PermitsPerMinute;

    /// <summary>Takes one report's token; when none is left, how long until the next one comes.</summary>
    public ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryTakeAsync(Caller caller) =>
        limiter.TryTakeAsync("intake:" + caller.CredentialId, _rule);
}
