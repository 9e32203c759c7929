using System.Collections.Immutable;
using GridServer.Abstractions;
using GridServer.Abstractions.Plugins;
using GridServer.Domain.Plugins;
using Microsoft.Extensions.DependencyInjection;

namespace GridServer.Grains.Plugins;

/// <summary>
/// The cluster's module catalog. Its truth is the store: it reads the catalog at activation and after every change it
/// makes (one atomic step of the store each), so what it answers is what is stored.
/// </summary>
public sealed class ModuleCatalogGrain(IModulePackageStore store, [FromKeyedServices(GrainClock.Key)] TimeProvider time) : Grain, IModuleCatalogGrain
{
    private ModuleCatalogData _catalog = new(0, [], [], []);

    public override async Task OnActivateAsync(CancellationToken cancellationToken) => _catalog = await store.LoadAsync(cancellationToken);

    public async ValueTask<CatalogResult> AddAsync(PackageUpload upload, bool activate, string? canarySilo)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var info = upload.Info;
        var stored = Find(info.Module, info.Version);
        if (stored is not null && stored.Sha256 != info.Sha256)
            return Refused(CatalogOutcome.Conflict, $"version {info.Version} of {info.Module} is stored already with other contents (SHA-256 {stored.Sha256[..12]}…); give the new build a new version");
        if (stored is null && _catalog.Packages.Count(p => p.Module == info.Module) >= IModuleCatalogGrain.MaxVersions)
            return Refused(CatalogOutcome.Conflict, $"{info.Module} keeps {IModuleCatalogGrain.MaxVersions} versions already; remove old ones first");
        if (stored is null)
        {
            var rollout = activate ? Rollout(info.Module, info.Version, canarySilo, info.UploadedBy) : null;
            var revision = await store.AddAsync(info.ToStored(), new PackageBytes(upload.Content, upload.Signature), rollout);
            await ReloadAsync();
            return new(CatalogOutcome.Done, revision, null);
        }
        var activated = activate ? await ActivateAsync(info.Module, info.Version, canarySilo, info.UploadedBy) : new(CatalogOutcome.Unchanged, _catalog.Revision, null);
        return activated with { Message = IModuleCatalogGrain.AlreadyStored };
    }

    public async ValueTask<CatalogResult> ActivateAsync(string moduleName, string version, string? canarySilo, string actor)
    {
        var module = moduleName;
        if (Find(module, version) is null) return Refused(CatalogOutcome.NotFound, $"no version {version} of {module} is stored");
        var before = RolloutOf(module);
        var after = Rollout(module, version, canarySilo, actor);
        if (before is not null && (before.ActiveVersion, before.CanarySilo, before.CanaryVersion) == (after.ActiveVersion, after.CanarySilo, after.CanaryVersion))
            return new(CatalogOutcome.Unchanged, _catalog.Revision, null);
        var revision = await store.SetRolloutAsync(after, canarySilo is null ? "activate" : "canary", version);
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, null);
    }

    public async ValueTask<CatalogResult> DisableAsync(string moduleName, string actor)
    {
        var module = moduleName;
        if (!_catalog.Packages.Any(p => p.Module == module)) return Refused(CatalogOutcome.NotFound, $"no module {module} is stored");
        if (RolloutOf(module) is not { } rollout || (rollout.ActiveVersion is null && rollout.CanaryVersion is null))
            return new(CatalogOutcome.Unchanged, _catalog.Revision, null);
        var revision = await store.SetRolloutAsync(new ModuleRollout(module, null, null, null, actor, time.GetUtcNow()), "disable", null);
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, null);
    }

    public async ValueTask<CatalogResult> RemoveVersionAsync(string moduleName, string version, string actor)
    {
        var module = moduleName;
        if (Find(module, version) is null) return Refused(CatalogOutcome.NotFound, $"no version {version} of {module} is stored");
        if (RolloutOf(module) is { } rollout && (rollout.ActiveVersion == version || rollout.CanaryVersion == version))
            return Refused(CatalogOutcome.Conflict, $"version {version} of {module} is {(rollout.ActiveVersion == version ? "active" : "the canary")}: activate another version or disable the module first");
        var revision = await store.RemoveVersionAsync(module, version, actor, time.GetUtcNow());
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, null);
    }

    public async ValueTask<CatalogResult> RemoveAsync(string moduleName, string actor)
    {
        var module = moduleName;
        if (!_catalog.Packages.Any(p => p.Module == module)) return Refused(CatalogOutcome.NotFound, $"no module {module} is stored");
        if (RolloutOf(module) is { } rollout && (rollout.ActiveVersion is not null || rollout.CanaryVersion is not null))
            return Refused(CatalogOutcome.Conflict, $"{module} is running: disable it first (POST /api/plugins/packages/{module}/disable)");
        var revision = await store.RemoveModuleAsync(module, actor, time.GetUtcNow());
        await ReloadAsync();
        return new(CatalogOutcome.Done, revision, null);
    }

    public ValueTask<long> GetRevisionAsync() => ValueTask.FromResult(_catalog.Revision);

    public ValueTask<ModuleCatalogView> GetAsync() => ValueTask.FromResult(new ModuleCatalogView(_catalog.Revision,
        [.. _catalog.Packages.Select(PackageInfo.Of)], [.. _catalog.Rollouts.Select(RolloutInfo.Of)], [.. _catalog.History.Select(CatalogChange.Of)]));

    public ValueTask<WantedPackages> GetWantedAsync(string silo)
    {
        var wanted = ImmutableArray.CreateBuilder<WantedPackage>();
        foreach (var rollout in _catalog.Rollouts)
        {
            if (rollout.VersionFor(silo) is { } version && Find(rollout.Module, version) is { } package)
                wanted.Add(new WantedPackage(package.Module, package.Version, package.Sha256));
        }
        return ValueTask.FromResult(new WantedPackages(_catalog.Revision, wanted.ToImmutable()));
    }

    /// <summary>
    /// The rollout that makes <paramref name="version"/> run: everywhere (a canary cleared), or on the canary silo alone
    /// with the other silos kept on what they run.
    /// </summary>
    private ModuleRollout Rollout(string module, string version, string? canarySilo, string actor) =>
        canarySilo is null
            ? new ModuleRollout(module, version, null, null, actor, time.GetUtcNow())
            : new ModuleRollout(module, RolloutOf(module)?.ActiveVersion, canarySilo, version, actor, time.GetUtcNow());

    private StoredPackage? Find(string module, string version) => _catalog.Packages.FirstOrDefault(p => p.Module == module && p.Version == version);

    private ModuleRollout? RolloutOf(string module) => _catalog.Rollouts.FirstOrDefault(r => r.Module == module);

    private CatalogResult Refused(CatalogOutcome outcome, string message) => new(outcome, _catalog.Revision, message);

    private async Task ReloadAsync() => _catalog = await store.LoadAsync();
}
