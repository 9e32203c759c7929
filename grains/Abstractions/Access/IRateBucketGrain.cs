namespace GridServer.Abstractions.Access;

/// <summary>Tokens handed to one silo: how many, and when asked for more than there were, when the next one comes.</summary>
[GenerateSerializer, Immutable, Alias("access.rate-grant")]
public sealed record RateGrant([property: Id(0)] int Granted, [property: Id(1)] TimeSpan RetryAfter);

/// <summary>
/// One rate limit's bucket for the whole cluster (key: what is limited, e.g. <c>read:key:K-1a2b3c</c> or
/// <c>read:address:203.0.113.7</c>). Silos take tokens from it in small blocks, so a key behind n silos gets its rate,
/// not n times it. Kept in memory: a bucket that moves or restarts starts full.
/// </summary>
[Alias("access.rate-bucket")]
public interface IRateBucketGrain : IGrainWithStringKey
{
    /// <summary>Takes up to <paramref name="wanted"/> tokens at <paramref name="permitsPerMinute"/> and <paramref name="burst"/>.</summary>
    [Alias("take")] ValueTask<RateGrant> TakeAsync(int permitsPerMinute, int burst, int wanted);
}
