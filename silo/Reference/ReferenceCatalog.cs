using System.Collections.Concurrent;
using GridServer.Abstractions.Reference;
using GridServer.Plugins.Contracts;
using GridServer.Silo.Plugins;

namespace GridServer.Silo.Reference;

/// <summary>
/// This silo's copy of the reference data sets the loaded modules keep, indexed in memory so that a module's lookup
/// never waits for a database. The stored sets (<see cref="IReferenceSetGrain"/>) are the truth: a change made through
/// this silo is served here before its answer; one made through another silo within <see cref="RefreshPeriod"/>.
/// </summary>
public sealed partial class ReferenceCatalog(IGrainFactory grains, ModuleRegistry modules, IHostApplicationLifetime lifetime, ILogger<ReferenceCatalog> logger) : BackgroundService
{
    /// <summary>How often the stored versions are compared with the ones served.</summary>
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, ReferenceSetIndex> _sets = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _loading = new(1, 1);

    /// <summary>The set as served now, or null when it was never loaded on this silo.</summary>
    public ReferenceSetIndex? Served(string name) => _sets.GetValueOrDefault(name);

    /// <summary>
    /// The lookup a module's call gets: its own sets as served now. A set not loaded yet on this silo (the module was
    /// just added) is loaded first.
    /// </summary>
    public async ValueTask<IReferenceLookup> LookupForAsync(GuardedModule module, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(module);
        var sets = module.Abilities.DataSets;
        if (sets.IsEmpty) return ReferenceLookup.None;
        var view = new Dictionary<string, ReferenceSetIndex>(sets.Length, StringComparer.Ordinal);
        foreach (var set in sets)
            view[set.Name] = _sets.TryGetValue(set.Name, out var index) ? index : await LoadAsync(set.Name, cancellationToken);
        return new ReferenceLookup(view);
    }

    /// <summary>Loads the stored set when its version differs from the one served (a change made here is served before it is answered).</summary>
    public async Task<ReferenceSetIndex> LoadAsync(string name, CancellationToken cancellationToken = default)
    {
        await _loading.WaitAsync(cancellationToken);
        try
        {
            var grain = grains.GetGrain<IReferenceSetGrain>(name);
            if (_sets.TryGetValue(name, out var served) && served.Version == await grain.GetVersionAsync()) return served;
            var index = ReferenceSetIndex.Build(await grain.GetAsync());
            _sets[name] = index;
            if (index.Version == 0) LogEmpty(logger, name);
            else LogLoaded(logger, name, index.Version, index.Count);
            return index;
        }
        finally
        {
            _loading.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Not before the silo serves: a grain called while it is still joining is placed nowhere, and Orleans retries
        // and warns. A module's own lookup before then loads its sets itself (LookupForAsync).
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            try
            {
                await started.Task.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
        using var timer = new PeriodicTimer(RefreshPeriod);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var name in modules.Current.DataSets.Keys)
            {
                try
                {
                    await LoadAsync(name, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)   // the silo may not be up yet, or the store is away: the set served stays, and the next tick tries again
                {
                    LogRefreshFailed(logger, e, name);
                }
            }
        }
    }

    public override void Dispose()
    {
        _loading.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reference set {Set}: version {Version} served, {Count} records")]
    private static partial void LogLoaded(ILogger logger, string set, long version, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reference set {Set}: none imported yet")]
    private static partial void LogEmpty(ILogger logger, string set);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reference set {Set}: reading the stored set failed; the version served stays")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, string set);
}
