using GridServer.Abstractions.Access;
using GridServer.Domain.Access;
using GridServer.Silo.Access;
using GridServer.Silo.Hosting;
using GridServer.Silo.Open311;
using GridServer.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace GridServer.Tests.Access;

/// <summary>
/// A silo's view of credentials against the real registry grain (test cluster): configured keys, issued keys and
/// tokens, expiry and revocation, and how fast another silo learns of a revocation.
/// </summary>
[Collection(ClusterTests.Name)]
public sealed class CredentialsTests(ClusterFixture fixture)
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private static readonly Caller Operator = new(Role.Operator, "op", "config:operator");

    private Credentials Silo(AuthOptions? auth = null, Open311Options? open311 = null) => new(
        Options.Create(auth ?? new AuthOptions { OperatorKey = "operator-key-0123456789" }), Options.Create(open311 ?? new Open311Options()),
        Options.Create(new StorageOptions()), fixture.Grains, _clock, NullLogger<Credentials>.Instance);

    [Fact]
    public async Task ConfiguredKeys_OperatorByKeyOrHash_OthersWithTheirRole_Open311KeysAsReporters()
    {
        using var credentials = Silo(new AuthOptions
        {
            OperatorKeySha256 = Secrets.Sha256Hex("hashed-operator-key-0001").ToUpperInvariant(),
            Keys = [new ConfiguredKey { Key = "liaison-key-000000001", Role = "liaison", Subject = "L-7" }],
        }, new Open311Options { ApiKeys = ["hotline-key-0000000001"] });

        Assert.Equal(Role.Operator, (await credentials.AuthenticateAsync("hashed-operator-key-0001")).Caller?.Role);
        Assert.Equal(new Caller(Role.Liaison, "L-7", "config:0"), (await credentials.AuthenticateAsync("liaison-key-000000001")).Caller);
        Assert.Equal(Role.Reporter, (await credentials.AuthenticateAsync("hotline-key-0000000001")).Caller?.Role);
        Assert.Equal((null, "the credential is not valid"), await credentials.AuthenticateAsync("hashed-operator-key-0002"));
        Assert.Equal((null, "the credential is not valid"), await credentials.AuthenticateAsync(new string('k', 10_000)));
        Assert.Equal((null, "no credential was presented"), await credentials.AuthenticateAsync(""));
    }

    [Fact]
    public async Task Token_WorksUntilItExpires()
    {
        using var credentials = Silo();
        var (record, secret) = await credentials.IssueAsync(Role.Officer, "O-TOKEN", "shift phone", _clock.GetUtcNow().AddHours(8), Operator);

        Assert.Equal(new Caller(Role.Officer, "O-TOKEN", record.Id), (await credentials.AuthenticateAsync(secret)).Caller);
        _clock.Advance(TimeSpan.FromHours(8));
        var (caller, refusal) = await credentials.AuthenticateAsync(secret);
        Assert.Null(caller);
        Assert.StartsWith($"credential {record.Id} expired at", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public async Task IssuedOnOneSilo_WorksOnAnotherAtOnce_ARevocationReachesItWithinTheRefreshPeriod()
    {
        using var first = Silo();
        using var second = Silo();
        Assert.Equal((null, "the credential is not valid"), await second.AuthenticateAsync("gs_not-issued-yet"));
        var (record, secret) = await first.IssueAsync(Role.Dispatcher, "D-2", null, null, Operator);

        // An unknown secret makes a silo look again (at most once a second), so a new key works everywhere at once.
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal("D-2", (await second.AuthenticateAsync(secret)).Caller?.Subject);

        await first.RevokeAsync(record.Id, Operator);
        Assert.Equal($"credential {record.Id} was revoked", (await first.AuthenticateAsync(secret)).Refusal);
        Assert.Equal("D-2", (await second.AuthenticateAsync(secret)).Caller?.Subject);   // cached: the documented delay
        _clock.Advance(Credentials.RefreshEvery + TimeSpan.FromSeconds(1));
        Assert.Equal($"credential {record.Id} was revoked", (await second.AuthenticateAsync(secret)).Refusal);
        Assert.Contains(await second.ListAsync(), c => c.Id == record.Id && c.RevokedBy == "op");
    }

    [Fact]
    public void Options_ShortKeysBadHashesUnknownRolesAndMissingSubjects_AreRefusedNamingTheSetting()
    {
        static List<string> Problems(AuthOptions o) => [.. o.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(o)).Select(r => r.ErrorMessage!)];

        Assert.Equal(["GridServer:Auth:OperatorKey must have at least 16 characters"], Problems(new AuthOptions { OperatorKey = "short" }));
        Assert.Equal(["GridServer:Auth:OperatorKeySha256 must be 64 hexadecimal digits (the SHA-256 of the key's UTF-8 bytes)"],
            Problems(new AuthOptions { OperatorKeySha256 = "abc" }));
        Assert.Equal(["GridServer:Auth:OperatorKey: give the key or its SHA-256, not both"],
            Problems(new AuthOptions { OperatorKey = "operator-key-0123456789", OperatorKeySha256 = new string('a', 64) }));
        var keys = Problems(new AuthOptions { Keys = [new ConfiguredKey { Key = "k-9f86d081884c7d65", Role = "root" }, new ConfiguredKey { Role = "Officer", Subject = "O" }] });
        Assert.Equal([
            "GridServer:Auth:Keys:0:Role is 'root'; use one of Operator, Dispatcher, Officer, Liaison, Reporter, Sensor",
            "GridServer:Auth:Keys:0:Subject is required (the officer's or liaison's id, or a name), at most 128 characters",
            "GridServer:Auth:Keys:1 needs Key or KeySha256",
        ], keys);
    }

    /// <summary>The cluster's registry, or one that does not answer while <see cref="Down"/> is set.</summary>
    private sealed class FlakyRegistry(ICredentialRegistryGrain real) : ICredentialRegistryGrain
    {
        public bool Down { get; set; }
        public int Asked;

        public ValueTask<bool> IssueAsync(CredentialRecord credential) => real.IssueAsync(credential);

        public ValueTask<CredentialRecord?> RevokeAsync(string id, string actor, DateTimeOffset at) => real.RevokeAsync(id, actor, at);

        public ValueTask<CredentialSet?> GetIfChangedAsync(long knownRevision)
        {
            Interlocked.Increment(ref Asked);
            return Down ? ValueTask.FromException<CredentialSet?>(new TimeoutException("the registry's silo does not answer")) : real.GetIfChangedAsync(knownRevision);
        }
    }

    [Fact]
    public async Task RegistryDown_LastGoodListServedWithinTheGrace_UnknownKeysRefused_ThenUnavailable()
    {
        var registry = new FlakyRegistry(fixture.Grains.GetGrain<ICredentialRegistryGrain>(ICredentialRegistryGrain.Key));
        using var credentials = new Credentials(Options.Create(new AuthOptions { OperatorKey = "operator-key-0123456789" }), Options.Create(new Open311Options()),
            Options.Create(new StorageOptions()), fixture.Grains, _clock, NullLogger<Credentials>.Instance) { Registry = () => registry };
        var (_, secret) = await credentials.IssueAsync(Role.Officer, "O-GRACE", null, null, Operator);
        Assert.NotNull((await credentials.AuthenticateAsync(secret)).Caller);

        registry.Down = true;
        _clock.Advance(Credentials.RefreshEvery + TimeSpan.FromSeconds(1));
        // Every request answers from the list it has; none waits on, or fails with, the registry.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => credentials.AuthenticateAsync(secret).AsTask()));
        Assert.All(answers, a => Assert.Equal("O-GRACE", a.Caller?.Subject));
        Assert.Equal((null, "the credential is not valid"), await credentials.AuthenticateAsync("gs_a-key-nobody-issued-000000000000"));
        // Unknown keys ask the registry at most once a second while it is down.
        var asked = registry.Asked;
        for (var i = 0; i < 10; i++) await credentials.AuthenticateAsync($"gs_another-key-nobody-issued-{i:D8}");
        Assert.InRange(registry.Asked - asked, 0, 1);

        _clock.Advance(Credentials.Grace);
        var unavailable = await Assert.ThrowsAsync<DependencyUnavailableException>(() => credentials.AuthenticateAsync(secret).AsTask());
        Assert.Equal("the credential registry", unavailable.What);

        registry.Down = false;
        Assert.Equal("O-GRACE", (await credentials.AuthenticateAsync(secret)).Caller?.Subject);
    }
}
