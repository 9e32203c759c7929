using GridServer.Abstractions.Grids;
using GridServer.Domain.Grids;

namespace GridServer.Silo.Grids;

/// <summary>
/// Keeps this silo's <see cref="GridCatalog"/> on the grid directory's revision: subscribed to the directory for
/// an immediate signal, and polling it as well, because a subscription is lost when the directory's silo dies.
/// A newer revision rebuilds the index from the grid store (PostGIS), off the request path; lookups keep using
/// the old snapshot until the new one is swapped in whole.
/// </summary>
public sealed partial class GridDirectoryFollower(
    IGrainFactory grains, GridCatalog catalog, IGridStore store, TimeProvider time,
    IHostApplicationLifetime lifetime, ILogger<GridDirectoryFollower> logger) : BackgroundService, IGridDirectoryObserver
{
    /// <summary>How often the directory's revision is polled: the bound on staleness when a signal is lost.</summary>
    public static readonly TimeSpan PollPeriod = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the subscription is renewed (the directory drops one not renewed within a minute).</summary>
    public static readonly TimeSpan RenewPeriod = TimeSpan.FromSeconds(20);

    private readonly SemaphoreSlim _signal = new(0, 1);
    private long _announced = -1;

    public Task GridsChangedAsync(long revision)
    {
        InterlockedMax(ref _announced, revision);
        Wake();
        return Task.CompletedTask;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grains answer only once the silo has started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try { await started.Task; }
            catch (OperationCanceledException) { return; }
        }

        var directory = grains.GetGrain<IGridDirectoryGrain>(IGridDirectoryGrain.Key);
        var self = grains.CreateObjectReference<IGridDirectoryObserver>(this);
        var renewAt = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (time.GetUtcNow() >= renewAt)
                {
                    await directory.SubscribeAsync(self);
                    renewAt = time.GetUtcNow() + RenewPeriod;
                }
                InterlockedMax(ref _announced, await directory.GetRevisionAsync());
                if (Interlocked.Read(ref _announced) > catalog.Revision) await ReloadAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // While the server stops, the silo goes before this loop does: nothing to report then.
                if (stoppingToken.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested) break;
                LogFollowFailed(logger, e);
                renewAt = DateTimeOffset.MinValue;
            }
            try
            {
                await _signal.WaitAsync(PollPeriod, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        try { await directory.UnsubscribeAsync(self).AsTask().WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Best effort: the subscription lapses by itself within a minute.
        }
        grains.DeleteObjectReference<IGridDirectoryObserver>(self);
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var previous = catalog.Revision;
        // The changed grids alone when the store can say which they are and they are few; else everything.
        if (previous >= 0 && await store.LoadChangesSinceAsync(previous, cancellationToken) is { } changes
            && catalog.Apply(changes, time.GetUtcNow()))
        {
            var took = time.GetElapsedTime(started);
            LogApplied(logger, changes.Current.Count, changes.Retired.Count, previous, changes.Revision, took.TotalMilliseconds);
            return;
        }
        var revision = await store.GetRevisionAsync(cancellationToken);
        var grids = await store.LoadCurrentAsync(cancellationToken);
        catalog.Load(grids, revision, time.GetUtcNow());
        var elapsed = time.GetElapsedTime(started);
        LogReloaded(logger, grids.Count, previous, revision, elapsed.TotalMilliseconds);
    }

    private void Wake()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { /* already signalled */ }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grid changes served: {Changed} added or redrawn, {Retired} retired, revision {Previous} → {Revision}, in {Milliseconds:F0} ms")]
    private static partial void LogApplied(ILogger logger, int changed, int retired, long previous, long revision, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grid index rebuilt: {Count} grids, revision {Previous} → {Revision}, in {Milliseconds:F0} ms")]
    private static partial void LogReloaded(ILogger logger, int count, long previous, long revision, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not follow the grid directory; trying again")]
    private static partial void LogFollowFailed(ILogger logger, Exception exception);
}
