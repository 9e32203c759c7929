using System.Collections.Immutable;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetTopologySuite.Geometries;

namespace GridServer.Grains.Grids;

/// <summary>
/// The one writer of grid boundaries in a cluster. It checks a change with the import's rules, stores it in the
/// grid store (PostGIS in production), and tells every subscribed silo the new revision. A timer also watches the
/// store's revision, so a change made outside the cluster (<c>grids import</c>, SQL) reaches the silos as well.
/// </summary>
public sealed partial class GridDirectoryGrain(
    IGridStore store,
    [FromKeyedServices(GrainClock.Key)] TimeProvider domainTime,
    TimeProvider time,
    ILogger<GridDirectoryGrain> logger) : Grain, IGridDirectoryGrain
{
    /// <summary>A silo renews its subscription well within this; one that stops renewing (it died) is dropped.</summary>
    public static readonly TimeSpan SubscriptionLifetime = TimeSpan.FromMinutes(1);

    /// <summary>How often the store's revision is read for changes made outside the cluster.</summary>
    public static readonly TimeSpan WatchPeriod = TimeSpan.FromSeconds(1);

    /// <summary>At most this many error lines in a refusal; the count of the rest is given.</summary>
    private const int MaxReported = 100;

    private readonly Dictionary<IGridDirectoryObserver, DateTimeOffset> _observers = [];
    private long _revision;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _revision = await store.GetRevisionAsync(cancellationToken);
        this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(WatchPeriod, WatchPeriod) { KeepAlive = true });
    }

    public async ValueTask<GridChangeResult> ChangeAsync(GridChangeRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Enum.TryParse<GridCodeScheme>(request.CodeScheme, ignoreCase: true, out var scheme) || !Enum.IsDefined(scheme))
            return Refused($"unknown code scheme '{request.CodeScheme}'; use CjT213 or Free");
        SourceDataset dataset;
        SourceCrs crs;
        try
        {
            dataset = GeoJsonGridReader.Read(request.GeoJson, "change.geojson");
            crs = GridFiles.ResolveCrs(dataset, null);
        }
        catch (GridFileException e)
        {
            return Refused(e.Message.Replace("change.geojson: ", "", StringComparison.Ordinal));
        }
        if (dataset.Features.Count == 0)
            return Refused(request.Replace ? "an empty collection would retire every grid; refused" : "the change has no features");

        var options = new GridImportOptions { CodeScheme = scheme, AllowOverlaps = request.AllowOverlaps };
        var importer = new GridImporter(crs.ToWgs84, GridArea.AreaSquareMetres, domainTime, dataset.CrsDeclaration is null ? null : crs.Name);
        var result = importer.Check(dataset, options);
        if (result.Accepted && !request.Replace)
        {
            var around = new Envelope();
            foreach (var grid in result.Grids) around.ExpandToInclude(grid.Boundary.EnvelopeInternal);
            result = importer.CheckAgainstNeighbours(result, await store.LoadNearAsync(around), options);
        }
        var warnings = Lines(result.Issues.Where(i => !i.IsError));
        if (!result.Accepted) return new GridChangeResult(false, Lines(result.Errors), warnings, 0, 0, 0, [], _revision);

        var plan = await store.SaveAsync(result.Grids, request.Replace ? GridSaveMode.Replace : GridSaveMode.Merge);
        _revision = await store.GetRevisionAsync();
        Notify();
        LogChanged(logger, request.ActorId, plan.Added, plan.Changed, plan.Retired.Count, _revision);
        // Each grid cell learns its boundary version; a retired grid's cell learns that it has none.
        var versions = plan.Written.Select(g => (g.Code, (int?)g.Version)).Concat(plan.Retired.Select(c => (c, (int?)null)));
        foreach (var chunk in versions.Chunk(256))
            await Task.WhenAll(chunk.Select(v => GrainFactory.GetGrain<IGridCellGrain>(v.Item1).SetBoundaryVersionAsync(v.Item2).AsTask()));
        return new GridChangeResult(true, [], warnings, plan.Added, plan.Changed, plan.Unchanged, [.. plan.Retired], _revision);
    }

    public ValueTask<long> GetRevisionAsync() => ValueTask.FromResult(_revision);

    public async ValueTask<byte[]> GetHistoryAsync(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        var versions = await store.HistoryAsync(code);
        using var buffer = new MemoryStream();
        GridServer.Domain.Export.GeoJsonGridWriter.Write(buffer, versions);
        return buffer.ToArray();
    }

    public ValueTask SubscribeAsync(IGridDirectoryObserver observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        _observers[observer] = time.GetUtcNow() + SubscriptionLifetime;
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(IGridDirectoryObserver observer)
    {
        _observers.Remove(observer);
        return ValueTask.CompletedTask;
    }

    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        long revision;
        try
        {
            revision = await store.GetRevisionAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogWatchFailed(logger, e);
            return;
        }
        if (revision == _revision) return;
        _revision = revision;
        Notify();
    }

    /// <summary>Tells every live subscriber the revision (one-way: a dead silo never holds the directory up).</summary>
    private void Notify()
    {
        var now = time.GetUtcNow();
        foreach (var (observer, until) in _observers.ToList())
        {
            if (until < now)
            {
                _observers.Remove(observer);
                continue;
            }
            try
            {
                _ = observer.GridsChangedAsync(_revision);
            }
            catch (Exception e)
            {
                LogNotifyFailed(logger, e);
            }
        }
    }

    private GridChangeResult Refused(string reason) => new(false, [reason], [], 0, 0, 0, [], _revision);

    private static ImmutableArray<string> Lines(IEnumerable<ImportIssue> issues)
    {
        var all = issues.Select(i => i.ToString()).ToList();
        return all.Count <= MaxReported ? [.. all] : [.. all.Take(MaxReported), $"… and {all.Count - MaxReported} more"];
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grids changed by {Actor}: {Added} added, {Changed} redrawn, {Retired} retired; revision {Revision}")]
    private static partial void LogChanged(ILogger logger, string actor, int added, int changed, int retired, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the grid revision; trying again")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell a silo that the grids changed; it will find out when it polls")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
