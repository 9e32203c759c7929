using System.Collections.Concurrent;
using GridServer.Abstractions.Access;
using GridServer.Domain.Access;

namespace GridServer.Silo.Access;

/// <summary>
/// Rate limits that hold for the whole cluster. Each limit's bucket is one grain (<see cref="IRateBucketGrain"/>);
/// this silo takes tokens from it in blocks of about half a second's worth, and spends them locally, so that a
/// limited caller costs one grain call per block, not per request. A block not spent within a second is dropped
/// (at most one block per silo and second goes unused). A refusal is remembered for its retry time (at most a
/// second), so that a caller hammering a limit does not hammer the grain.
/// If the grain cannot be reached (a silo leaving the cluster), the request is let through: a limit must not turn
/// a cluster fault into an outage. That is logged.
/// </summary>
public sealed partial class ClusterRateLimiter(IGrainFactory grains, TimeProvider time, ILogger<ClusterRateLimiter> logger)
{
    /// <summary>How many limits this silo remembers blocks for before it forgets the idle ones.</summary>
    private const int MaxRemembered = 10_000;
    private static readonly TimeSpan BlockLife = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Allowance> _allowances = new(StringComparer.Ordinal);
    private long _forgotAt;

    /// <summary>Takes one token of <paramref name="limit"/>; when none is left, how long until one comes.</summary>
    public async ValueTask<(bool Allowed, TimeSpan RetryAfter)> TryTakeAsync(string limit, RateRule rule)
    {
        ArgumentNullException.ThrowIfNull(limit);
        var allowance = _allowances.GetOrAdd(limit, static _ => new Allowance());
        while (true)
        {
            var now = time.GetUtcNow();
            Task<RateGrant?> fetch;
            lock (allowance)
            {
                if (allowance.Until > now)
                {
                    if (allowance.Tokens > 0)
                    {
                        allowance.Tokens--;
                        return (true, TimeSpan.Zero);
                    }
                    if (allowance.Refused) return (false, allowance.Until - now + allowance.RefusedFor);
                }
                // One block asked for at a time per limit and silo: requests arriving together wait for it and share
                // it, instead of each draining a block of the cluster's bucket (and the late ones being refused while
                // this silo holds the tokens the early ones brought).
                fetch = allowance.Fetching ??= FetchAsync(limit, rule, allowance);
            }
            // Unreachable: let through. Refused: that refusal answers. Granted: take one of the block (the loop again;
            // when the others took the whole block first, the next block is asked for).
            switch (await fetch)
            {
                case null: return (true, TimeSpan.Zero);
                case { Granted: 0 } refused: return (false, WaitOf(refused));
            }
        }
    }

    private static TimeSpan WaitOf(RateGrant refused) => refused.RetryAfter > TimeSpan.Zero ? refused.RetryAfter : TimeSpan.FromSeconds(1);

    /// <summary>
    /// Asks the bucket's grain for a block and keeps what it grants (or its refusal) in <paramref name="allowance"/>;
    /// null when the grain cannot be reached (the request is let through).
    /// </summary>
    private async Task<RateGrant?> FetchAsync(string limit, RateRule rule, Allowance allowance)
    {
        // Never completes inside the caller's lock: Fetching is set before this can clear it.
        await Task.Yield();
        RateGrant? grant = null;
        try
        {
            if (_allowances.Count > MaxRemembered) Forget(time.GetUtcNow());
            grant = await grains.GetGrain<IRateBucketGrain>(limit).TakeAsync(rule.PermitsPerMinute, rule.Burst, BlockOf(rule));
        }
        catch (Exception e) when (e is not ArgumentException)
        {
            LogUnreachable(logger, e, limit);
        }
        finally
        {
            var now = time.GetUtcNow();
            lock (allowance)
            {
                allowance.Fetching = null;
                if (grant is { Granted: > 0 } granted)
                {
                    // Added to what is left of the last block, never thrown away.
                    var live = allowance.Until > now && !allowance.Refused ? allowance.Tokens : 0;
                    allowance.Tokens = live + granted.Granted;
                    allowance.Until = now + BlockLife;
                    allowance.Refused = false;
                    allowance.RefusedFor = TimeSpan.Zero;
                }
                else if (grant is { } refused)
                {
                    var wait = WaitOf(refused);
                    var remembered = wait < BlockLife ? wait : BlockLife;
                    allowance.Tokens = 0;
                    allowance.Refused = true;
                    allowance.Until = now + remembered;
                    allowance.RefusedFor = wait - remembered;
                }
            }
        }
        return grant;
    }

    /// <summary>A block: half a second of the rate, at most an eighth of the burst, at least one.</summary>
    internal static int BlockOf(RateRule rule) => Math.Max(1, Math.Min(rule.Burst / 8, rule.PermitsPerMinute / 120));

    private void Forget(DateTimeOffset now)
    {
        // At most once a second: many addresses at once (a spread-out flood) must not make every request scan them all.
        var last = Interlocked.Read(ref _forgotAt);
        if (now.UtcTicks - last < TimeSpan.TicksPerSecond || Interlocked.CompareExchange(ref _forgotAt, now.UtcTicks, last) != last) return;
        foreach (var (key, allowance) in _allowances)
        {
            bool idle;
            lock (allowance) idle = allowance.Until <= now;
            if (idle) _allowances.TryRemove(key, out _);
        }
    }

    private sealed class Allowance
    {
        public int Tokens;
        public DateTimeOffset Until;
        public bool Refused;
        /// <summary>After a refusal: how much longer than <see cref="Until"/> the caller must wait.</summary>
        public TimeSpan RefusedFor;
        /// <summary>The block being asked for, if any.</summary>
        public Task<RateGrant?>? Fetching;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limit {Limit}: its bucket could not be reached; the request is let through")]
    private static partial void LogUnreachable(ILogger logger, Exception exception, string limit);
}
