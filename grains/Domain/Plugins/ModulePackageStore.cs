using System.Collections.Immutable;

namespace GridServer.Domain.Plugins;

/// <summary>A stored version of a module's package, without its bytes.</summary>
/// <param name="Sha256">The package's SHA-256, lower-case hex: what its signature signs, and what every silo checks before it unpacks.</param>
/// <param name="Contract">The contract assembly version the module was built against ("1.0.0.0").</param>
/// <param name="SignedBy">The id of the trusted key whose signature was checked at upload, or null for an unsigned package.</param>
public sealed record StoredPackage(
    string Module, string Version, string Sha256, long SizeBytes, ModulePackageFormat Format, string Contract, string? SignedBy,
    string UploadedBy, DateTimeOffset UploadedAt);

/// <summary>
/// Which version of a module the cluster runs: <see cref="ActiveVersion"/> on every silo (null: the module is disabled),
/// except the canary silo, which runs <see cref="CanaryVersion"/> while a canary is set.
/// </summary>
/// <param name="CanarySilo">The silo's address as <c>GET /api/plugins</c> names it.</param>
public sealed record ModuleRollout(string Module, string? ActiveVersion, string? CanarySilo, string? CanaryVersion, string ChangedBy, DateTimeOffset ChangedAt)
{
    /// <summary>The version <paramref name="silo"/> should run, or null for none.</summary>
    public string? VersionFor(string silo) =>
        CanarySilo is not null && CanaryVersion is not null && string.Equals(CanarySilo, silo, StringComparison.Ordinal) ? CanaryVersion : ActiveVersion;
}

/// <summary>The catalog at one revision: every stored version, every module's rollout, and the latest changes (newest first).</summary>
public sealed record ModuleCatalogData(long Revision, ImmutableArray<StoredPackage> Packages, ImmutableArray<ModuleRollout> Rollouts, ImmutableArray<ChangeRecord> History);

/// <summary>A stored package's bytes and the detached signature it came with (null: unsigned).</summary>
public sealed record PackageBytes(byte[] Content, byte[]? Signature);

/// <summary>
/// Where module packages are kept for the cluster (PostgreSQL in a durable cluster, memory in the embedded default).
/// Every change is one atomic step that raises <see cref="ModuleCatalogData.Revision"/> and appends to the history.
/// </summary>
public interface IModulePackageStore
{
    /// <summary>How many changes <see cref="ModuleCatalogData.History"/> holds at most.</summary>
    public const int HistoryKept = 200;

    Task<ModuleCatalogData> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a new version (its module and version must not be stored yet) and, with <paramref name="rollout"/>, sets the module's rollout in the same step.</summary>
    Task<long> AddAsync(StoredPackage package, PackageBytes bytes, ModuleRollout? rollout, CancellationToken cancellationToken = default);

    /// <summary>Sets a module's rollout; <paramref name="action"/> and <paramref name="version"/> go to the history.</summary>
    Task<long> SetRolloutAsync(ModuleRollout rollout, string action, string? version, CancellationToken cancellationToken = default);

    /// <summary>Removes one stored version (never the one a rollout names: the caller checked).</summary>
    Task<long> RemoveVersionAsync(string moduleName, string version, string actor, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Removes a module: every version and its rollout.</summary>
    Task<long> RemoveModuleAsync(string moduleName, string actor, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>A version's bytes and signature, or null when it is not stored.</summary>
    Task<PackageBytes?> ReadAsync(string moduleName, string version, CancellationToken cancellationToken = default);
}

/// <summary>The embedded default's package store: in memory, lost at exit, as the rest of its state.</summary>
public sealed class InMemoryModulePackageStore : IModulePackageStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Module, string Version), (StoredPackage Package, PackageBytes Bytes)> _packages = [];
    private readonly Dictionary<string, ModuleRollout> _rollouts = new(StringComparer.Ordinal);
    private readonly List<ChangeRecord> _history = [];
    private long _revision;
    private long _seq;

    public Task<ModuleCatalogData> LoadAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(new ModuleCatalogData(_revision,
                [.. _packages.Values.Select(p => p.Package).OrderBy(p => p.Module, StringComparer.Ordinal).ThenBy(p => p.UploadedAt)],
                [.. _rollouts.Values.OrderBy(r => r.Module, StringComparer.Ordinal)],
                [.. Enumerable.Reverse(_history).Take(IModulePackageStore.HistoryKept)]));
        }
    }

    public Task<long> AddAsync(StoredPackage package, PackageBytes bytes, ModuleRollout? rollout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(package);
        lock (_gate)
        {
            if (!_packages.TryAdd((package.Module, package.Version), (package, bytes)))
                throw new InvalidOperationException($"version {package.Version} of {package.Module} is stored already");
            Record(package.Module, "upload", package.Version, package.UploadedBy, package.UploadedAt, null);
            if (rollout is not null) SetLocked(rollout, "activate", rollout.ActiveVersion ?? rollout.CanaryVersion);
            return Task.FromResult(++_revision);
        }
    }

    public Task<long> SetRolloutAsync(ModuleRollout rollout, string action, string? version, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rollout);
        lock (_gate)
        {
            SetLocked(rollout, action, version);
            return Task.FromResult(++_revision);
        }
    }

    public Task<long> RemoveVersionAsync(string moduleName, string version, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _packages.Remove((moduleName, version));
            Record(moduleName, "remove-version", version, actor, at, null);
            return Task.FromResult(++_revision);
        }
    }

    public Task<long> RemoveModuleAsync(string moduleName, string actor, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            foreach (var key in _packages.Keys.Where(k => k.Module == moduleName).ToList()) _packages.Remove(key);
            _rollouts.Remove(moduleName);
            Record(moduleName, "remove", null, actor, at, null);
            return Task.FromResult(++_revision);
        }
    }

    public Task<PackageBytes?> ReadAsync(string moduleName, string version, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_packages.TryGetValue((moduleName, version), out var stored) ? stored.Bytes : null);
        }
    }

    private void SetLocked(ModuleRollout rollout, string action, string? version)
    {
        _rollouts[rollout.Module] = rollout;
        Record(rollout.Module, action, version, rollout.ChangedBy, rollout.ChangedAt, action == "canary" ? rollout.CanarySilo : null);
    }

    private void Record(string name, string action, string? version, string actor, DateTimeOffset at, string? detail)
    {
        _history.Add(new ChangeRecord(++_seq, name, action, version, actor, at, detail));
        if (_history.Count > IModulePackageStore.HistoryKept * 2) _history.RemoveRange(0, IModulePackageStore.HistoryKept);
    }
}
