using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using GridServer.Abstractions.Access;
using GridServer.Domain.Access;
using GridServer.Silo.Open311;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Access;

/// <summary>Who is calling: the role and subject of the credential they presented, and that credential's id.</summary>
public sealed record Caller(Role Role, string Subject, string CredentialId);

/// <summary>
/// Every credential this silo accepts: those in configuration (hashed at start) and those the cluster's registry
/// issued (cached, refreshed every <see cref="RefreshEvery"/> and when an unknown secret is presented, at most once a
/// second). Only SHA-256 hashes are kept. A revocation made on another silo takes effect here within
/// <see cref="RefreshEvery"/>.
/// </summary>
/// <remarks>
/// Requests never queue behind the registry: a list older than <see cref="RefreshEvery"/> (or an unknown secret: a
/// key issued on another silo) starts one refresh that every such request shares, waiting at most a second for it;
/// if the registry fails or is slow, the last good list answers, and after a failure it is asked again a second
/// later at the earliest. Only a list older
/// than <see cref="Grace"/> (the registry unreachable that long) makes requests wait on the registry, and fail
/// with it: a revocation must not go unseen for longer.
/// </remarks>
public sealed partial class Credentials : IDisposable
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MissRefreshEvery = TimeSpan.FromSeconds(1);

    /// <summary>How long the last good list is served while the registry does not answer.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(2);

    /// <summary>How long a request waits for a refresh before the last good list answers it.</summary>
    private static readonly TimeSpan RefreshWait = TimeSpan.FromSeconds(1);

    /// <summary>How long one question to the registry may take.</summary>
    private static readonly TimeSpan RegistryPatience = TimeSpan.FromSeconds(5);

    private readonly ILogger<Credentials> _logger;
    private readonly Lock _flightGate = new();
    private Task<Snapshot>? _inFlight;
    private DateTimeOffset _failedAt = DateTimeOffset.MinValue;

    /// <summary>The cluster's registry; a test puts one in front of it that fails.</summary>
    internal Func<ICredentialRegistryGrain> Registry { get; init; }

    private readonly FrozenDictionary<string, Caller> _configured;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile Snapshot _issued = new(-1, FrozenDictionary<string, CredentialRecord>.Empty, DateTimeOffset.MinValue);

    private sealed record Snapshot(long Revision, FrozenDictionary<string, CredentialRecord> ByHash, DateTimeOffset TakenAt);

    public Credentials(IOptions<AuthOptions> auth, IOptions<Open311Options> open311, IOptions<Hosting.StorageOptions> storage,
        IGrainFactory grains, TimeProvider time, ILogger<Credentials> logger)
    {
        _time = time;
        _logger = logger;
        Registry = () => grains.GetGrain<ICredentialRegistryGrain>(ICredentialRegistryGrain.Key);
        var configured = new Dictionary<string, Caller>(StringComparer.Ordinal);
        var options = auth.Value;
        var operatorHash = options.OperatorKeySha256 ?? HashOf(options.OperatorKey);
        if (operatorHash is null && !storage.Value.IsPostgres)
        {
            // The embedded default is for trying the server out: without a configured key it makes one for this run
            // (held in memory only, like everything else in this mode) and says it, so the API is usable at once.
            var generated = Secrets.New();
            operatorHash = Secrets.Sha256Hex(generated);
            GeneratedOperatorKey(logger, generated, AuthOptions.Section);
        }
        else if (operatorHash is null)
        {
            NoOperatorKey(logger, AuthOptions.Section);
        }
        if (operatorHash is not null)
            configured[operatorHash.ToLowerInvariant()] = new Caller(Role.Operator, "operator", "config:operator");
        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if ((key.KeySha256 ?? HashOf(key.Key)) is { } hash)
                configured[hash.ToLowerInvariant()] = new Caller(AccessRules.TryParseName<Role>(key.Role, out var role) ? role : throw new InvalidOperationException($"{AuthOptions.Section}:Keys:{i}:Role was not validated"), key.Subject!, $"config:{i}");
        }
        // Open311 channels' keys from before credentials had roles: reporters.
        for (var i = 0; i < open311.Value.ApiKeys.Count; i++)
        {
            // Named by the key (a hash prefix), not its place in the list: reordering the list keeps each channel's name.
            var hash = Secrets.Sha256Hex(open311.Value.ApiKeys[i]);
            configured[hash] = new Caller(Role.Reporter, $"{ConfiguredPrefix}open311-{hash[..12]}", $"config:open311:{hash[..12]}");
        }
        _configured = configured.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning,
        Message = "No {Section}:OperatorKey is configured; the operator key of this run is {Key} (embedded mode only: set one to keep it)")]
    private static partial void GeneratedOperatorKey(ILogger logger, string key, string section);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning,
        Message = "No {Section}:OperatorKey is configured: only credentials issued before work; set one to issue more")]
    private static partial void NoOperatorKey(ILogger logger, string section);

    /// <summary>Subjects that only configuration gives (issuing one over HTTP is refused), so no issued credential shares them.</summary>
    public const string ConfiguredPrefix = "config:";

    private static string? HashOf(string? key) => key is null ? null : Secrets.Sha256Hex(key);

    /// <summary>True when configuration declares at least one credential of the role.</summary>
    public bool AnyConfigured(Role role) => _configured.Values.Any(c => c.Role == role);

    /// <summary>Who a secret speaks for, or why it speaks for nobody.</summary>
    public async ValueTask<(Caller? Caller, string? Refusal)> AuthenticateAsync(string? secret, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(secret)) return (null, "no credential was presented");
        if (secret.Length > Secrets.MaxLength) return (null, "the credential is not valid");
        return await AuthenticateHashAsync(Secrets.Sha256Hex(secret), cancellationToken);
    }

    /// <summary>
    /// As <see cref="AuthenticateAsync"/>, for a secret known by its hash only (what a dashboard session keeps): revoked
    /// or expired since, it no longer answers.
    /// </summary>
    public async ValueTask<(Caller? Caller, string? Refusal)> AuthenticateHashAsync(string hash, CancellationToken cancellationToken = default)
    {
        if (_configured.TryGetValue(hash, out var configured)) return (configured, null);

        var now = _time.GetUtcNow();
        var snapshot = _issued;
        var age = now - snapshot.TakenAt;
        if (age > Grace)
        {
            try
            {
                snapshot = await SharedRefreshAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new Hosting.DependencyUnavailableException("the credential registry", e);
            }
        }
        else if ((age > RefreshEvery || (age > MissRefreshEvery && !snapshot.ByHash.ContainsKey(hash))) && now - _failedAt > MissRefreshEvery)
        {
            // One refresh shared by every request that needs one, waited for briefly; a registry that failed in the
            // last second is not asked again, and one slow to answer leaves the request to the last good list.
            try
            {
                snapshot = await SharedRefreshAsync().WaitAsync(RefreshWait, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Logged by the refresh; the last good list answers.
            }
        }
        if (!snapshot.ByHash.TryGetValue(hash, out var record)) return (null, "the credential is not valid");
        if (record.RevokedAt is not null) return (null, $"credential {record.Id} was revoked");
        if (record.ExpiresAt is { } expires && expires <= now) return (null, $"credential {record.Id} expired at {expires:O}");
        return (new Caller(Enum.Parse<Role>(record.Role), record.Subject, record.Id), null);
    }

    /// <summary>Makes a credential: the secret is returned once and only its hash is stored.</summary>
    public async Task<(CredentialRecord Record, string Secret)> IssueAsync(Role role, string subject, string? label, DateTimeOffset? expiresAt, Caller by)
    {
        var registry = Registry();
        while (true)
        {
            var secret = Secrets.New();
            var record = new CredentialRecord(Secrets.NewId(), Secrets.Sha256Hex(secret), role.ToString(), subject, label, _time.GetUtcNow(), by.Subject, expiresAt);
            if (!await registry.IssueAsync(record)) continue;   // an id already taken: 48 random bits make this all but impossible
            await RefreshAsync(CancellationToken.None, force: true);
            return (record, secret);
        }
    }

    public async Task<CredentialRecord?> RevokeAsync(string id, Caller by)
    {
        var revoked = await Registry().RevokeAsync(id, by.Subject, _time.GetUtcNow());
        if (revoked is not null) await RefreshAsync(CancellationToken.None, force: true);
        return revoked;
    }

    /// <summary>Every issued credential (configured ones are not listed: configuration is where they are seen).</summary>
    public async Task<IReadOnlyList<CredentialRecord>> ListAsync()
    {
        var snapshot = await RefreshAsync(CancellationToken.None, force: true);
        return [.. snapshot.ByHash.Values.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal)];
    }

    public void Dispose() => _refreshing.Dispose();

    /// <summary>One refresh at a time for every request that needs one; its failure is logged and observed here.</summary>
    private Task<Snapshot> SharedRefreshAsync()
    {
        lock (_flightGate)
        {
            if (_inFlight is { IsCompleted: false } running) return running;
            var refresh = RefreshAsync(CancellationToken.None);
            _inFlight = refresh;
            _ = refresh.ContinueWith(t =>
            {
                _failedAt = _time.GetUtcNow();
                RegistryUnreachable(_logger, t.Exception!.GetBaseException(), _time.GetUtcNow() - _issued.TakenAt);
            }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return refresh;
        }
    }

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning,
        Message = "The credential registry did not answer; the list of {Age} ago is served until it is older than the grace period")]
    private static partial void RegistryUnreachable(ILogger logger, Exception exception, TimeSpan age);

    private async Task<Snapshot> RefreshAsync(CancellationToken cancellationToken, bool force = false)
    {
        var before = _issued;
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            // Another caller refreshed while this one waited: its answer is as fresh as ours would be.
            if (!force && !ReferenceEquals(before, _issued)) return _issued;
            var current = _issued;
            var asked = _time.GetUtcNow();   // the snapshot is as old as the question, not the answer
            var changed = await Registry().GetIfChangedAsync(current.Revision).AsTask().WaitAsync(RegistryPatience, cancellationToken);
            var byHash = changed is null
                ? current.ByHash
                : changed.Credentials.ToFrozenDictionary(c => c.SecretSha256.ToLowerInvariant(), StringComparer.Ordinal);
            _issued = new Snapshot(changed?.Revision ?? current.Revision, byHash, asked);
            return _issued;
        }
        finally
        {
            _refreshing.Release();
        }
    }
}
