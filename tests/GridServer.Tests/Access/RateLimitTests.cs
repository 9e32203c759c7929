using System.Net;
using System.Text.Json;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using GridServer.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace GridServer.Tests.Access;

/// <summary>The token bucket itself: its burst, its refill, its answer about when to come back.</summary>
public sealed class TokenBucketTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void FullBucket_GivesItsBurst_ThenSaysWhenTheNextTokenComes()
    {
        var bucket = new TokenBucket(new RateRule(PermitsPerMinute: 6, Burst: 3), T0);
        Assert.Equal((2, TimeSpan.Zero), bucket.Take(2, T0));
        Assert.Equal((1, TimeSpan.FromSeconds(10)), bucket.Take(2, T0));
        Assert.Equal((0, TimeSpan.FromSeconds(10)), bucket.Take(1, T0));
        Assert.Equal((0, TimeSpan.FromSeconds(4)), bucket.Take(1, T0.AddSeconds(6)));
        Assert.Equal((1, TimeSpan.Zero), bucket.Take(1, T0.AddSeconds(10)));
    }

    [Fact]
    public void LongIdle_RefillsNoFurtherThanTheBurst()
    {
        var bucket = new TokenBucket(new RateRule(60, 5), T0);
        bucket.Take(5, T0);
        Assert.Equal(5, bucket.Take(50, T0.AddHours(1)).Granted);
    }

    [Fact]
    public void ClockGoingBack_AddsNothing()
    {
        var bucket = new TokenBucket(new RateRule(60, 2), T0);
        bucket.Take(2, T0);
        Assert.Equal(0, bucket.Take(1, T0.AddMinutes(-5)).Granted);
        Assert.Equal(0, bucket.Take(1, T0.AddMilliseconds(500)).Granted);
        Assert.Equal(1, bucket.Take(1, T0.AddSeconds(1)).Granted);
    }

    [Fact]
    public void SmallerBurstSetting_CapsTheTokensThere()
    {
        var bucket = new TokenBucket(new RateRule(60, 10), T0);
        bucket.Change(new RateRule(60, 2), T0);
        Assert.Equal(2, bucket.Take(10, T0).Granted);
    }

    [Theory]
    [InlineData(0, 5)]
    [InlineData(5, 0)]
    [InlineData(-1, 5)]
    public void RuleWithoutAPositiveRateOrBurst_IsRefused(int perMinute, int burst) =>
        Assert.Throws<ArgumentException>(() => new TokenBucket(new RateRule(perMinute, burst), T0));

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(120, 30, 1)]
    [InlineData(6000, 1000, 50)]
    [InlineData(6000, 80, 10)]
    public void Block_IsHalfASecondOfTheRate_AtMostAnEighthOfTheBurst(int perMinute, int burst, int block) =>
        Assert.Equal(block, ClusterRateLimiter.BlockOf(new RateRule(perMinute, burst)));
}

/// <summary>A silo whose reads are limited to a burst of 3 and one a minute, on a clock the tests move.</summary>
public sealed class RateLimitedSilo : IAsyncLifetime
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public SiloFactory Factory { get; }

    public RateLimitedSilo(Dictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["GridServer:ReadLimits:PerKey:PermitsPerMinute"] = "1",
            ["GridServer:ReadLimits:PerKey:Burst"] = "3",
            ["GridServer:ReadLimits:PerAddress:PermitsPerMinute"] = "1",
            ["GridServer:ReadLimits:PerAddress:Burst"] = "3",
        };
        foreach (var (key, value) in more ?? []) settings[key] = value;
        Factory = new SiloFactory(settings, services => services.AddSingleton<TimeProvider>(Clock));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

/// <summary>
/// Reads are limited per credential and, without one, per client address, for the whole cluster: 429 with
/// Retry-After beyond the limit, in Open311's own error format on its routes; writes are not counted.
/// Each test has its own silo: the buckets are the cluster's.
/// </summary>
public sealed class ReadLimitTests
{
    [Fact]
    public async Task AnonymousOpen311Reads_BeyondTheBurst_Refused429WithRetryAfter_InOpen311Format_UntilATokenComes()
    {
        await using var silo = new RateLimitedSilo();
        using var anonymous = silo.Factory.CreateClient();
        for (var i = 0; i < 3; i++)
        {
            using var read = await anonymous.GetAsync("/open311/v2/services.json");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        using var refused = await anonymous.GetAsync("/open311/v2/services.json");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("60", refused.Headers.GetValues("Retry-After").Single());
        using (var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()))
            Assert.Equal(429, body.RootElement[0].GetProperty("code").GetInt32());
        using var refusedXml = await anonymous.GetAsync("/open311/v2/services.xml");
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedXml.StatusCode);
        Assert.StartsWith("<?xml", await refusedXml.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A made-up key is no way around it: it is counted against the address.
        using var forged = silo.Factory.CreateClientWith("gs_not-a-key-anyone-was-given-0000000000");
        using var forgedRead = await forged.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.TooManyRequests, forgedRead.StatusCode);
        // The server's health is not a read of the API.
        using var health = await anonymous.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        silo.Clock.Advance(TimeSpan.FromMinutes(1));
        using var again = await anonymous.GetAsync("/open311/v2/services.json");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task ApiReads_LimitedPerCredential_AnotherKeyAndWritesUnaffected()
    {
        await using var silo = new RateLimitedSilo();
        using var operatorClient = silo.Factory.CreateOperatorClient();
        for (var i = 0; i < 3; i++)
        {
            using var read = await operatorClient.GetAsync("/api/me");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }
        using var refused = await operatorClient.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("this credential", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // Writes are not reads: the operator still issues a key, and the dispatcher's reads have their own budget.
        var secret = await silo.Factory.IssueAsync("Dispatcher", "D-RATE");
        using var dispatcher = silo.Factory.CreateClientWith(secret);
        using var theirs = await dispatcher.GetAsync("/api/me");
        Assert.Equal(HttpStatusCode.OK, theirs.StatusCode);
    }

    [Fact]
    public async Task BehindATrustedProxy_EachClientAddressHasItsBudget_AnUntrustedSendersHeaderIsIgnored()
    {
        await using var silo = new RateLimitedSilo(new()
        {
            ["GridServer:ReadLimits:PerAddress:Burst"] = "1",
            ["GridServer:ReadLimits:TrustedProxies:0"] = "10.0.0.0/8",
        });
        async Task<HttpStatusCode> ReadAsync(string from, string forwardedFor)
        {
            var context = await silo.Factory.Server.SendAsync(c =>
            {
                c.Connection.RemoteIpAddress = IPAddress.Parse(from);
                c.Request.Method = "GET";
                c.Request.Path = "/open311/v2/services.json";
                c.Request.Headers["X-Forwarded-For"] = forwardedFor;
            });
            return (HttpStatusCode)context.Response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await ReadAsync("10.0.0.5", "203.0.113.7"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await ReadAsync("10.0.0.5", "203.0.113.7"));
        Assert.Equal(HttpStatusCode.OK, await ReadAsync("10.0.0.5", "203.0.113.8"));
        // Not a proxy of ours: its header is not believed, its own address is counted.
        Assert.Equal(HttpStatusCode.OK, await ReadAsync("198.51.100.1", "203.0.113.9"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await ReadAsync("198.51.100.1", "203.0.113.10"));
    }

    [Fact]
    public async Task TwoSilosLimiters_ShareOneBudgetPerKey()
    {
        await using var silo = new RateLimitedSilo();
        _ = silo.Factory.Server;
        var grains = silo.Factory.Services.GetRequiredService<IGrainFactory>();
        // Two limiters as two silos have them, over the one cluster's buckets.
        var first = new ClusterRateLimiter(grains, silo.Clock, NullLogger<ClusterRateLimiter>.Instance);
        var second = new ClusterRateLimiter(grains, silo.Clock, NullLogger<ClusterRateLimiter>.Instance);
        var rule = new RateRule(PermitsPerMinute: 1, Burst: 4);
        var allowed = 0;
        for (var i = 0; i < 10; i++)
        {
            if ((await (i % 2 == 0 ? first : second).TryTakeAsync("test:shared", rule)).Allowed) allowed++;
        }
        Assert.Equal(4, allowed);
    }

    [Fact]
    public async Task RequestsArrivingTogether_ShareTheBlockTheirSiloFetched_NoneRefusedWhileTokensAreHeld()
    {
        await using var silo = new RateLimitedSilo();
        _ = silo.Factory.Server;
        var grains = silo.Factory.Services.GetRequiredService<IGrainFactory>();
        var limiter = new ClusterRateLimiter(grains, silo.Clock, NullLogger<ClusterRateLimiter>.Instance);
        // Blocks of 10 out of a burst of 80, the clock standing still: exactly 80 tokens exist.
        var rule = new RateRule(PermitsPerMinute: 12_000, Burst: 80);
        Assert.Equal(10, ClusterRateLimiter.BlockOf(rule));
        var answers = await Task.WhenAll(Enumerable.Range(0, 80).Select(_ => limiter.TryTakeAsync("test:together", rule).AsTask()));
        Assert.All(answers, answer => Assert.True(answer.Allowed));
        Assert.False((await limiter.TryTakeAsync("test:together", rule)).Allowed);
    }
}
