using System.Collections.Immutable;
using System.Reflection;
using GridServer.Domain.Cases;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Hosting;
using McMaster.NETCore.Plugins;
using Microsoft.Extensions.Options;

namespace GridServer.Silo.Plugins;

/// <summary>
/// Loads every module folder of the plugins directory at start and follows the directory while the silo serves: a
/// new folder is loaded, a changed module reloaded (McMaster's hot reload), a removed folder unloaded. Each change
/// publishes a new <see cref="ModuleSnapshot"/> to the <see cref="ModuleRegistry"/> and applies the modules' time
/// limits to <see cref="MatterPolicies"/>. Nothing a module does stops the silo: a folder that cannot be used is
/// listed as refused with the reason, and the folder is tried again when its files change.
/// </summary>
/// <remarks>
/// A folder's module assembly is <c>{folder}/{folder}.dll</c>, or the folder's only <c>.dll</c>. One lock orders every
/// change (start, the directory watcher's rescans, McMaster's reload events from the thread pool, faults reported by
/// calls); readers never take it.
/// </remarks>
public sealed partial class DutyModuleHost(
    ModuleRegistry registry, MatterPolicies policies, IOptions<PluginOptions> options, IOptions<CaseOptions> cases,
    GridServer.Notices.NoticeTemplateStore templates, GridServer.Domain.Catalog.MatterCatalog classes, TimeProvider time, ILogger<DutyModuleHost> logger)
    : IHostedService, IDisposable
{
    /// <summary>Quiet time after the last file event before the directory is scanned again (a copy raises many).</summary>
    private static readonly TimeSpan RescanDelay = TimeSpan.FromMilliseconds(300);

    /// <summary>
    /// How long a loaded module's changed assembly is left to McMaster's own reload (which comes about 0.4 s after the
    /// change) before the folder is loaded anew by the host: a folder deleted and made again under the same name is
    /// a change the loader's watcher, watching the old folder, never sees.
    /// </summary>
    private static readonly TimeSpan StaleGrace = TimeSpan.FromSeconds(2);

    private static readonly string ContractsAssembly = typeof(IDutyModule).Assembly.GetName().Name!;

    /// <summary>The contract's types, shared with every module so that its objects are the host's types.</summary>
    private static readonly Type[] SharedTypes = [typeof(IDutyModule), typeof(MatterDefinition), typeof(IRoutesReports)];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);

    /// <summary>Modules from uploaded packages, by module name: they win over the plugins directory (see <see cref="ApplyPackage"/>).</summary>
    private readonly Dictionary<string, Slot> _packaged = new(StringComparer.Ordinal);
    private ImmutableDictionary<string, MatterPolicy> _applied = ImmutableDictionary.Create<string, MatterPolicy>(StringComparer.Ordinal);
    private string? _directory;
    private FileSystemWatcher? _watcher;
    private ITimer? _rescan;
    private bool _stopped;
    private long _revision;

    /// <summary>One folder: its loader (null when there was no assembly to load), and what came of the last load.</summary>
    private sealed record Slot(string Folder, PluginLoader? Loader, string? AssemblyPath, string Fingerprint, ModuleStatus Status, GuardedModule? Module)
    {
        /// <summary>Since when the folder's assemblies differ from those the module was loaded from (null: they do not).</summary>
        public DateTimeOffset? StaleSince { get; init; }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _directory = options.Value.ResolvedDirectory();
        if (_directory is null)
        {
            LogNoDirectory(logger, PluginOptions.Section);
            lock (_gate) Publish();
            return Task.CompletedTask;
        }
        lock (_gate)
        {
            _rescan = time.CreateTimer(_ => Rescan(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            // One watcher (one inotify instance) for the whole directory, folders and files: added and removed
            // folders, and files arriving in a folder that could not be loaded yet.
            _watcher = new FileSystemWatcher(_directory)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.DirectoryName | NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += OnFileEvent;
            _watcher.Deleted += OnFileEvent;
            _watcher.Renamed += OnFileEvent;
            _watcher.Changed += OnFileEvent;
            _watcher.Error += (_, e) => { LogWatcherError(logger, e.GetException()); ScheduleRescan(); };
            _watcher.EnableRaisingEvents = true;
            ScanLocked();
        }
        var modules = registry.Current.Modules;
        var loaded = modules.Count(m => m.State == ModuleState.Loaded);
        LogStarted(logger, _directory, loaded, modules.Length);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopped) return;
            _stopped = true;
            _watcher?.Dispose();
            _rescan?.Dispose();
            foreach (var slot in _slots.Values.Concat(_packaged.Values)) slot.Loader?.Dispose();
            _slots.Clear();
            _packaged.Clear();
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) => ScheduleRescan();

    private void ScheduleRescan()
    {
        lock (_gate)
        {
            if (!_stopped) _rescan?.Change(RescanDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void Rescan()
    {
        // Runs on a timer thread: nothing may escape, or the process would end.
        try
        {
            lock (_gate)
            {
                if (!_stopped) ScanLocked();
            }
        }
        catch (Exception e)
        {
            LogRescanFailed(logger, e);
        }
    }

    /// <summary>Brings the slots in line with the folders on disk, and publishes when anything changed.</summary>
    private void ScanLocked()
    {
        var folders = System.IO.Directory.Exists(_directory)
            ? System.IO.Directory.GetDirectories(_directory!).Select(Path.GetFileName).OfType<string>().Where(f => !f.StartsWith('.')).ToHashSet(StringComparer.Ordinal)
            : [];
        var changed = false;
        foreach (var gone in _slots.Keys.Where(f => !folders.Contains(f)).ToList())
        {
            _slots[gone].Loader?.Dispose();
            ForgetTemplates(_slots[gone]);
            _slots.Remove(gone);
            LogUnloaded(logger, gone);
            changed = true;
        }
        foreach (var folder in folders.Order(StringComparer.Ordinal))
        {
            var fingerprint = Fingerprint(Path.Combine(_directory!, folder));
            if (_slots.TryGetValue(folder, out var slot))
            {
                if (slot.Fingerprint == fingerprint) continue;
                // A folder without a usable module is tried again when its files changed (a copy that was still
                // under way, a fixed build). A loaded module is reloaded by its own loader's watcher, unless that
                // has not happened within StaleGrace.
                if (slot.Module is not null)
                {
                    var now = time.GetUtcNow();
                    var since = slot.StaleSince ?? now;
                    if (slot.StaleSince is null) _slots[folder] = slot with { StaleSince = now };
                    if (now - since < StaleGrace)
                    {
                        _rescan?.Change(StaleGrace - (now - since), Timeout.InfiniteTimeSpan);
                        continue;
                    }
                }
                slot.Loader?.Dispose();
                ForgetTemplates(slot);
            }
            _slots[folder] = LoadFolder(folder, fingerprint);
            changed = true;
        }
        if (changed || _revision == 0) Publish();
    }

    private static string Fingerprint(string folder)
    {
        try
        {
            return string.Join('|', System.IO.Directory.GetFiles(folder, "*.dll").Order(StringComparer.Ordinal)
                .Select(f => new FileInfo(f)).Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
        }
        catch (IOException)
        {
            return "";
        }
    }

    private Slot LoadFolder(string folder, string fingerprint)
    {
        var path = Path.Combine(_directory!, folder);
        var named = Path.Combine(path, folder + ".dll");
        var dlls = System.IO.Directory.Exists(path) ? System.IO.Directory.GetFiles(path, "*.dll") : [];
        var assembly = File.Exists(named) ? named : dlls.Length == 1 ? dlls[0] : null;
        if (assembly is null)
        {
            var why = dlls.Length == 0
                ? $"the folder holds no module assembly: put {folder}.dll (or one .dll) in it"
                : $"the folder holds {dlls.Length} assemblies and none is named {folder}.dll: name the module's assembly after its folder";
            return Refused(folder, null, null, fingerprint, why, null);
        }
        PluginLoader loader;
        try
        {
            loader = PluginLoader.CreateFromAssemblyFile(assembly, SharedTypes, c =>
            {
                c.IsUnloadable = true;
                c.EnableHotReload = true;
            });
        }
        catch (Exception e)
        {
            return Refused(folder, null, assembly, fingerprint, $"the loader could not be made: {e.Message}", null);
        }
        loader.Reloaded += (_, _) => OnReloaded(folder, loader);
        return Instantiate(folder, loader, assembly, fingerprint);
    }

    /// <summary>McMaster's reload event: on a thread-pool thread, about 0.4 s after the module's assembly changed.</summary>
    private void OnReloaded(string folder, PluginLoader loader)
    {
        try
        {
            lock (_gate)
            {
                if (_stopped || !_slots.TryGetValue(folder, out var slot) || !ReferenceEquals(slot.Loader, loader)) return;
                ForgetTemplates(slot);
                _slots[folder] = Instantiate(folder, loader, slot.AssemblyPath!, Fingerprint(Path.Combine(_directory!, folder)));
                LogReloaded(logger, folder, _slots[folder].Status.State, _slots[folder].Status.Version);
                Publish();
            }
        }
        catch (Exception e)
        {
            LogRescanFailed(logger, e);
        }
    }

    /// <summary>The uploaded packages this silo has tried, by module: the version it runs (null: none) and the one that failed (null: none).</summary>
    public ImmutableDictionary<string, (PackageRef? Running, PackageFailure? Failure)> Packages
    {
        get
        {
            lock (_gate)
            {
                return _packaged.ToImmutableDictionary(p => p.Key, p => (p.Value.Module is null ? null : p.Value.Status.Package, p.Value.Status.Failure), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>
    /// Runs version <paramref name="package"/> of an uploaded module from its unpacked assembly (this silo's own folder for
    /// that version, never changed afterwards: no file watcher, no hot reload). Loaded, it replaces the version that ran in
    /// one step (a report being checked finishes with the version it started with), and a module of the plugins directory
    /// that brings the same matters, data sets or reading kinds, or the same assembly, gives way to it. Refused, the
    /// version that ran before keeps running and the failure is shown with it. Never throws; answers the error or null.
    /// </summary>
    public string? ApplyPackage(string module, PackageRef package, string assemblyPath)
    {
        ArgumentNullException.ThrowIfNull(package);
        lock (_gate)
        {
            if (_stopped) return "the silo is stopping";
            _packaged.TryGetValue(module, out var previous);
            PluginLoader loader;
            try
            {
                // Each version has a folder of its own that never changes: nothing to watch (and no inotify instance held).
                loader = PluginLoader.CreateFromAssemblyFile(assemblyPath, SharedTypes, c =>
                {
                    c.IsUnloadable = true;
                    c.EnableHotReload = false;
                });
            }
            catch (Exception e)
            {
                return FailPackageLocked(module, package, previous, $"the loader could not be made: {e.Message}");
            }
            var slot = Instantiate(module, loader, assemblyPath, package.Sha256, ModuleSource.Package);
            if (slot.Module is null)
            {
                loader.Dispose();
                return FailPackageLocked(module, package, previous, slot.Status.LastError ?? "refused");
            }
            if (previous is not null)
            {
                previous.Loader?.Dispose();
                ForgetTemplates(previous);
            }
            // Registered again after the previous version's templates were taken out (they may share a matter).
            var templateErrors = RegisterTemplates(module, slot.Status.Abilities.Templates);
            _packaged[module] = slot with { Status = slot.Status with { Source = ModuleSource.Package, Package = package, TemplateErrors = templateErrors } };
            LogPackageLoaded(logger, module, package.Version, package.Sha256[..12], previous?.Status.Package?.Version ?? "none");
            GiveWayLocked(_packaged[module]);
            RetryDirectoryLocked();
            Publish();
            return null;
        }
    }

    /// <summary>Stops running an uploaded module (it was disabled, removed, or moved to another silo's canary).</summary>
    public void RemovePackage(string module)
    {
        lock (_gate)
        {
            if (_stopped || !_packaged.Remove(module, out var slot)) return;
            slot.Loader?.Dispose();
            ForgetTemplates(slot);
            LogPackageUnloaded(logger, module, slot.Status.Package?.Version ?? "none");
            // A directory's module that gave way to it may load again.
            RetryDirectoryLocked();
            Publish();
        }
    }

    /// <summary>A package version could not even be given to the loader (its bytes, hash, signature or unpacking failed here): shown like a refused load.</summary>
    public void FailPackage(string module, PackageRef package, string error)
    {
        lock (_gate)
        {
            if (_stopped) return;
            _packaged.TryGetValue(module, out var previous);
            FailPackageLocked(module, package, previous, error);
        }
    }

    /// <summary>The silo is asked again to run what it runs (a rollback to it): the failure of another version is history.</summary>
    public void ClearPackageFailure(string module)
    {
        lock (_gate)
        {
            if (_stopped || !_packaged.TryGetValue(module, out var slot) || slot.Status.Failure is null) return;
            if (slot.Module is null) _packaged.Remove(module);
            else _packaged[module] = slot with { Status = slot.Status with { Failure = null } };
            Publish();
        }
    }

    private string FailPackageLocked(string module, PackageRef package, Slot? previous, string error)
    {
        var failure = new PackageFailure(package.Version, package.Sha256, error, time.GetUtcNow());
        LogPackageRefused(logger, module, package.Version, previous?.Module is null ? "nothing" : previous.Status.Package?.Version ?? "nothing", error);
        _packaged[module] = previous?.Module is not null
            ? previous with { Status = previous.Status with { Failure = failure } }
            : new Slot(module, null, null, package.Sha256, new ModuleStatus(module, null, ModuleState.Refused, null, package.Version, null, error, time.GetUtcNow(), 0, [])
            {
                Source = ModuleSource.Package,
                Package = package,
                Failure = failure,
            }, null);
        Publish();
        return error;
    }

    /// <summary>Unloads the plugins directory's modules that conflict with an uploaded one: the same assembly, or a matter, data set or reading kind of it.</summary>
    private void GiveWayLocked(Slot packaged)
    {
        var abilities = packaged.Status.Abilities;
        foreach (var local in _slots.Values.Where(s => s.Module is not null).ToList())
        {
            var sameAssembly = string.Equals(Path.GetFileNameWithoutExtension(local.AssemblyPath), packaged.Folder, StringComparison.Ordinal);
            var overlaps = local.Status.Matters.Any(m => packaged.Status.Matters.Any(p => p.Code == m.Code))
                || local.Status.Abilities.DataSets.Any(d => abilities.DataSets.Any(p => p.Name == d.Name))
                || local.Status.Abilities.ReadingKinds.Any(abilities.ReadingKinds.Contains);
            if (!sameAssembly && !overlaps) continue;
            local.Loader?.Dispose();
            ForgetTemplates(local);
            var why = $"gives way to the uploaded package {packaged.Folder} {packaged.Status.Package?.Version}, which brings the same {(sameAssembly ? "assembly" : "matters, data sets or reading kinds")}: an uploaded package wins over the plugins directory";
            LogRefused(logger, local.Folder, why);
            _slots[local.Folder] = local with
            {
                Loader = null,
                Module = null,
                Status = new ModuleStatus(local.Folder, local.AssemblyPath, ModuleState.Refused, local.Status.Name, local.Status.Version, local.Status.ContractVersion, why, time.GetUtcNow(), 0, []),
            };
        }
    }

    /// <summary>The directory's folders that could not be loaded are tried again: an uploaded module that was in their way may be gone.</summary>
    private void RetryDirectoryLocked()
    {
        if (_directory is null) return;
        foreach (var refused in _slots.Values.Where(s => s.Module is null).ToList()) _slots[refused.Folder] = refused with { Fingerprint = "" };
        ScanLocked();
    }

    private static string Describe(Slot slot) =>
        slot.Status.Source == ModuleSource.Package ? $"the uploaded module '{slot.Folder}'" : $"the module in folder '{slot.Folder}'";

    /// <summary>Loads the module's assembly in the loader's current context, checks it and makes its instance; never throws.</summary>
    private Slot Instantiate(string folder, PluginLoader loader, string assemblyPath, string fingerprint, ModuleSource source = ModuleSource.Directory)
    {
        IDutyModule module;
        string? name = null, version = null, contract = null;
        IReadOnlyList<MatterDefinition>? matters = null;
        ModuleAbilities abilities;
        try
        {
            var assembly = loader.LoadDefaultAssembly();
            var reference = assembly.GetReferencedAssemblies().FirstOrDefault(a => a.Name == ContractsAssembly);
            if (reference is null)
                return Refused(folder, loader, assemblyPath, fingerprint, $"{Path.GetFileName(assemblyPath)} does not reference {ContractsAssembly}: it is no duty module", null);
            if (reference.Version is { } built && built.Major != DutyContract.Major)
                return Refused(folder, loader, assemblyPath, fingerprint, $"the module was built against {ContractsAssembly} {built} (contract {built.Major}.x); this server has duty-module contract {DutyContract.Version}", null);
            var types = assembly.GetExportedTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IDutyModule).IsAssignableFrom(t)).ToList();
            if (types.Count != 1)
                return Refused(folder, loader, assemblyPath, fingerprint, types.Count == 0
                    ? $"{Path.GetFileName(assemblyPath)} has no public class implementing {nameof(IDutyModule)}"
                    : $"{Path.GetFileName(assemblyPath)} has {types.Count} classes implementing {nameof(IDutyModule)} ({string.Join(", ", types.Select(t => t.Name))}); a folder holds one module", null);
            // The constructor and the declarations are module code too: run with a time limit (the load's: see LoadTimeout).
            var reading = Task.Run(() =>
            {
                var instance = (IDutyModule)Activator.CreateInstance(types[0])!;
                return (instance, instance.ContractVersion, instance.Name, instance.Version, instance.Matters, ModuleAbilities.Read(instance));
            });
            if (!reading.Wait(options.Value.LoadTimeout))
                return Refused(folder, loader, assemblyPath, fingerprint, $"making the module and reading its declarations took longer than {options.Value.LoadTimeout.TotalMilliseconds:F0} ms ({PluginOptions.Section}:LoadTimeout)", null);
            (module, contract, name, version, matters, abilities) = reading.Result;
            matters = matters is null ? null : ModuleChecks.Freeze(matters);
        }
        catch (Exception e)
        {
            // The constructor's own exception: unwrapped from the task's and the activator's wrappers, however nested.
            var inner = e;
            while (inner is AggregateException or TargetInvocationException && inner.InnerException is { } wrapped) inner = wrapped;
            return Refused(folder, loader, assemblyPath, fingerprint, $"the module could not be loaded: {inner.GetType().FullName}: {inner.Message}", null);
        }
        if (ModuleChecks.ContractProblem(contract) is { } incompatible)
            return Refused(folder, loader, assemblyPath, fingerprint, incompatible, (name, version, contract));
        if (ModuleChecks.DeclarationProblem(name, version, matters, classes) is { } nonsense)
            return Refused(folder, loader, assemblyPath, fingerprint, $"its declarations cannot be used: {nonsense}", (name, version, contract));
        var codes = matters!.Select(m => m.Code).ToImmutableHashSet(StringComparer.Ordinal);
        if (AbilityChecks.Problem(abilities, codes) is { } unusable)
            return Refused(folder, loader, assemblyPath, fingerprint, $"its declarations cannot be used: {unusable}", (name, version, contract));
        // An uploaded package is checked against the other packages only: it wins over the plugins directory, whose
        // conflicting modules give way to it (ApplyPackage). A directory's module is checked against every module.
        var others = (source == ModuleSource.Package ? _packaged.Values : _packaged.Values.Concat(_slots.Values))
            .Where(s => s.Module is not null && !(s.Status.Source == source && s.Folder == folder)).ToList();
        if (abilities.DataSets.Select(d => (d.Name, Other: others.FirstOrDefault(o => o.Status.Abilities.DataSets.Any(x => x.Name == d.Name)))).FirstOrDefault(t => t.Other is not null) is { Other: { } setOwner } set)
            return Refused(folder, loader, assemblyPath, fingerprint, $"reference data set '{set.Name}' is already kept by {Describe(setOwner)}", (name, version, contract));
        if (abilities.ReadingKinds.Select(k => (Kind: k, Other: others.FirstOrDefault(o => o.Status.Abilities.ReadingKinds.Contains(k)))).FirstOrDefault(t => t.Other is not null) is { Other: { } kindOwner } kind)
            return Refused(folder, loader, assemblyPath, fingerprint, $"reading kind '{kind.Kind}' is already taken by {Describe(kindOwner)}", (name, version, contract));
        var taken = matters!.Select(m => (m.Code, Other: others.FirstOrDefault(s => s.Status.Matters.Any(o => o.Code == m.Code))))
            .FirstOrDefault(t => t.Other is not null);
        if (taken.Other is { } other)
            return Refused(folder, loader, assemblyPath, fingerprint, $"matter '{taken.Code}' is already brought by {Describe(other)}", (name, version, contract));
        if (source == ModuleSource.Directory && _packaged.TryGetValue(Path.GetFileNameWithoutExtension(assemblyPath), out var uploaded) && uploaded.Module is not null)
            return Refused(folder, loader, assemblyPath, fingerprint, $"{Path.GetFileName(assemblyPath)} is uploaded to the cluster as a package, which wins over the plugins directory", (name, version, contract));

        var guarded = new GuardedModule(folder, module, abilities, codes, options.Value.CallTimeout, options.Value.FaultAfter, OnCallOutcome);
        ImmutableArray<MatterDefinition> declared = [.. matters!];
        LogLoaded(logger, folder, name!, version!, contract!, declared.Length);
        var templateErrors = RegisterTemplates(folder, abilities.Templates);
        return new Slot(folder, loader, assemblyPath, fingerprint,
            new ModuleStatus(folder, assemblyPath, ModuleState.Loaded, name, version, contract, null, time.GetUtcNow(), 0, declared)
            {
                Abilities = abilities,
                TemplateErrors = templateErrors,
            }, guarded);
    }

    /// <summary>
    /// Puts the module's templates into the notice store, where they override the defaults for its matters (a bureau's
    /// own file still wins). A template that fails its check is not used; its errors are returned for the module's status.
    /// </summary>
    private ImmutableArray<string> RegisterTemplates(string folder, ImmutableArray<ModuleTemplate> declared)
    {
        var errors = ImmutableArray.CreateBuilder<string>();
        foreach (var template in declared)
        {
            // The notice names were checked at load (AbilityChecks): each parses.
            if (!GridServer.Notices.NoticeKinds.TryParseFileStem(template.Notice, out var kind)) continue;
            foreach (var error in templates.Register(kind, template.Matter, template.Text, $"{folder}/{template.Notice}.{template.Matter}.scriban"))
                errors.Add(error.ToString());
        }
        if (errors.Count > 0) LogTemplatesRefused(logger, folder, errors.Count, errors[0]);
        return errors.ToImmutable();
    }

    /// <summary>Takes a module's templates out of the notice store: the module is gone, or about to be replaced.</summary>
    private void ForgetTemplates(Slot slot)
    {
        if (slot.Module is null || slot.Status.Abilities.Templates.IsEmpty) return;
        foreach (var matter in slot.Status.Abilities.Templates.Select(t => t.Matter).Distinct(StringComparer.Ordinal)) templates.Unregister(matter);
    }

    private Slot Refused(string folder, PluginLoader? loader, string? assemblyPath, string fingerprint, string error, (string? Name, string? Version, string? Contract)? declared)
    {
        LogRefused(logger, folder, error);
        return new Slot(folder, loader, assemblyPath, fingerprint,
            new ModuleStatus(folder, assemblyPath, ModuleState.Refused, declared?.Name, declared?.Version, declared?.Contract, error, time.GetUtcNow(), 0, []), null);
    }

    /// <summary>A guarded call failed (error) or succeeded after failures (null): the status shows it, and a fault is published.</summary>
    private void OnCallOutcome(GuardedModule module, string? error)
    {
        lock (_gate)
        {
            var table = _packaged.TryGetValue(module.Folder, out var packaged) && ReferenceEquals(packaged.Module, module) ? _packaged : _slots;
            if (_stopped || !table.TryGetValue(module.Folder, out var slot) || !ReferenceEquals(slot.Module, module)) return;
            var state = module.Faulted ? ModuleState.Faulted : ModuleState.Loaded;
            if (error is not null) LogCallFailed(logger, module.Folder, module.ConsecutiveFailures, error);
            if (state == ModuleState.Faulted && slot.Status.State != ModuleState.Faulted) LogFaulted(logger, module.Folder, module.ConsecutiveFailures);
            table[module.Folder] = slot with
            {
                Status = slot.Status with
                {
                    State = state,
                    LastError = error ?? slot.Status.LastError,
                    ConsecutiveFailures = module.ConsecutiveFailures,
                    Since = state != slot.Status.State ? time.GetUtcNow() : slot.Status.Since,
                },
            };
            Publish();
        }
    }

    /// <summary>Publishes the slots as a new snapshot, then applies the modules' time limits (under the lock: one at a time).</summary>
    private void Publish()
    {
        var all = _packaged.Values.Concat(_slots.Values).ToList();
        var matters = ImmutableDictionary.CreateBuilder<string, ModuleMatter>(StringComparer.Ordinal);
        foreach (var slot in all.Where(s => s.Module is not null))
        {
            foreach (var matter in slot.Status.Matters) matters[matter.Code] = new ModuleMatter(matter, slot.Module!);
        }
        var loaded = all.Where(s => s.Module is not null).ToList();
        var snapshot = new ModuleSnapshot(++_revision, _directory,
            [.. all.Select(s => s.Status).OrderBy(s => s.Folder, StringComparer.Ordinal).ThenBy(s => s.Source)], matters.ToImmutable())
        {
            DataSets = loaded.SelectMany(s => s.Status.Abilities.DataSets.Select(d => new ModuleDataSet(d, s.Module!)))
                .ToImmutableDictionary(d => d.Definition.Name, StringComparer.Ordinal),
            ReadingKinds = loaded.SelectMany(s => s.Status.Abilities.ReadingKinds.Select(k => (Kind: k, s.Module)))
                .ToImmutableDictionary(k => k.Kind, k => k.Module!, StringComparer.Ordinal),
        };
        ApplyTimeLimits(snapshot);
        registry.Publish(snapshot);
    }

    /// <summary>
    /// Module-declared limits apply to their matters at once (a running case is timed by its matter's rules as they
    /// stand at each step); a matter configured under <c>GridServer:Cases:Matters</c> keeps its configuration. A
    /// matter whose module is gone goes back to the default.
    /// </summary>
    private void ApplyTimeLimits(ModuleSnapshot snapshot)
    {
        var configured = cases.Value.Matters;
        var wanted = snapshot.Matters.Values
            .Where(m => m.Definition.TimeLimits is not null && !configured.ContainsKey(m.Definition.Code))
            .ToImmutableDictionary(m => m.Definition.Code, m => cases.Value.PolicyOf(m.Definition.TimeLimits!), StringComparer.Ordinal);
        foreach (var gone in _applied.Keys.Where(k => !wanted.ContainsKey(k))) policies.Set(gone, null);
        foreach (var (matter, policy) in wanted)
        {
            if (!_applied.TryGetValue(matter, out var before) || before != policy) policies.Set(matter, policy);
        }
        _applied = wanted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No plugins directory ({Section}:Directory not set, no plugins folder beside the executable): built-in services only")]
    private static partial void LogNoDirectory(ILogger logger, string section);

    [LoggerMessage(Level = LogLevel.Information, Message = "Plugins directory {Directory}: {Loaded} of {Folders} module folders loaded; watching it")]
    private static partial void LogStarted(ILogger logger, string directory, int loaded, int folders);

    [LoggerMessage(Level = LogLevel.Information, Message = "Module {Folder} loaded: {Name} {Version} (contract {Contract}), {Matters} matters")]
    private static partial void LogLoaded(ILogger logger, string folder, string name, string version, string contract, int matters);

    [LoggerMessage(Level = LogLevel.Information, Message = "Module {Folder} reloaded: {State}, version {Version}")]
    private static partial void LogReloaded(ILogger logger, string folder, ModuleState state, string? version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Module {Folder} unloaded: its folder is gone")]
    private static partial void LogUnloaded(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Module {Folder}: {Count} template errors; those templates are not used, the defaults serve instead. First: {Error}")]
    private static partial void LogTemplatesRefused(ILogger logger, string folder, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Module {Folder} refused: {Error}")]
    private static partial void LogRefused(ILogger logger, string folder, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Module {Folder} failed a call ({Failures} in a row); the report goes on without it: {Error}")]
    private static partial void LogCallFailed(ILogger logger, string folder, int failures, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Module {Folder} faulted after {Failures} failed calls in a row: its matters are handled generically until it is reloaded")]
    private static partial void LogFaulted(ILogger logger, string folder, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded module {Module} {Version} (SHA-256 {Sha}…) loaded; it ran {Previous} before")]
    private static partial void LogPackageLoaded(ILogger logger, string module, string version, string sha, string previous);

    [LoggerMessage(Level = LogLevel.Information, Message = "Uploaded module {Module} {Version} unloaded: the cluster no longer runs it on this silo")]
    private static partial void LogPackageUnloaded(ILogger logger, string module, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Uploaded module {Module} {Version} not run on this silo, which keeps running {Previous}: {Error}")]
    private static partial void LogPackageRefused(ILogger logger, string module, string version, string previous, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The plugins directory watcher failed; scanning the directory again")]
    private static partial void LogWatcherError(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Following the plugins directory failed; the modules stay as they were")]
    private static partial void LogRescanFailed(ILogger logger, Exception exception);
}
