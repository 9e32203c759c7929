using System.Collections.Immutable;
using GridServer.Abstractions.Cases;
using GridServer.Abstractions.Grids;
using GridServer.Domain.Export;
using GridServer.Domain.Geo;
using GridServer.Domain.Grids;
using GridServer.Domain.Import;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NetTopologySuite.Geometries;
using NetTopologySuite.IO;

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

    /// <summary>Cases read from the search at once (its most).</summary>
    private const int CasePage = 1000;

    private readonly ObserverSubscriptions<IGridDirectoryObserver> _observers = new();
    private long _revision;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _revision = await store.GetRevisionAsync(cancellationToken);
        this.RegisterGrainTimer(WatchAsync, new GrainTimerCreationOptions(WatchPeriod, WatchPeriod) { KeepAlive = true });
    }

    public ValueTask<GridChangeResult> ChangeAsync(GridChangeRequest request) => RunAsync(request, null, null, null);

    public async ValueTask<GridChangeResult> SplitAsync(string code, GridChangeRequest parts)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        ArgumentNullException.ThrowIfNull(parts);
        var old = await CurrentAsync(code);
        if (old is null) return Refused($"no grid '{code}' to split", parts.DryRun);
        async Task<ImportIssue?> VerifyAsync(IReadOnlyList<Grid> grids, Func<Geometry, double> area, GridImportOptions options)
        {
            if (grids.Count < 2) return new(ImportIssueKind.MissingCode, null, code, $"a split needs at least two parts, got {grids.Count}", true);
            foreach (var part in grids)
            {
                if (part.Code == code)
                    return new(ImportIssueKind.DuplicateCode, null, code, "a part may not keep the code of the grid it splits; give every part a new code", true);
                if (await CurrentAsync(part.Code) is not null)
                    return new(ImportIssueKind.DuplicateCode, null, part.Code, "is already a grid; the parts of a split are new grids", true);
            }
            return GridReshape.CheckCovers(code, old.Boundary, grids.Select(g => g.Boundary).ToList(), area, options.GapToleranceSquareMetres) is { } gap
                ? new(ImportIssueKind.Gap, null, code, gap, true)
                : null;
        }
        async Task InheritAsync(IReadOnlyList<Grid> grids)
        {
            // The parts answer to the people of the grid they come from; the old cell keeps its record.
            var people = await GrainFactory.GetGrain<IGridCellGrain>(code).GetResponsibilityAsync();
            if (people.SquadId is null && people.OfficerA is null && people.OfficerB is null) return;
            foreach (var part in grids)
                await GrainFactory.GetGrain<IGridCellGrain>(part.Code).AssignAsync(new GridAssignment(part.Code, people.SquadId, people.OfficerA, people.OfficerB));
        }
        return await RunAsync(parts with { Replace = false, Retire = [code] }, null, VerifyAsync, InheritAsync);
    }

    public async ValueTask<GridChangeResult> MergeAsync(ImmutableArray<string> codes, GridChangeRequest into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (GridChangeRules.MergeCodesProblem(codes) is { } problem) return Refused(problem, into.DryRun);
        var grids = new List<Grid>();
        foreach (var code in codes)
        {
            if (await CurrentAsync(code) is not { } grid) return Refused($"no grid '{code}' to merge", into.DryRun);
            grids.Add(grid);
        }
        var (union, refusal) = GridReshape.Merge(grids.Select(g => (g.Code, g.Boundary)).ToList());
        if (refusal is not null) return Refused(refusal, into.DryRun);
        async Task<ImportIssue?> VerifyAsync(IReadOnlyList<Grid> merged, Func<Geometry, double> area, GridImportOptions options)
        {
            var target = merged[0].Code;
            if (!codes.Contains(target) && await CurrentAsync(target) is not null)
                return new(ImportIssueKind.DuplicateCode, null, target, "is another grid; merge into one of the merged grids' codes or a new code", true);
            return null;
        }
        var target = into with { Replace = false };
        return await RunAsync(target, d => GridChangeRules.MergeInto(d, union!), VerifyAsync, null, codes);
    }

    /// <summary>
    /// The one path of every change: read, check as an import is checked (and against the neighbours of a partial change), find
    /// the ground that changes hands and the open cases it holds, then (unless a dry run) store, tell the silos and the cells.
    /// </summary>
    /// <param name="prepare">Reshapes the read features before the check (a merge's union), or refuses them.</param>
    /// <param name="verify">A further rule on the checked grids (a split's coverage), or null.</param>
    /// <param name="afterStore">Work after storing, before the answer (a split's parts take the old grid's people).</param>
    /// <param name="retireUnlessIncoming">Codes retired unless the change carries them (a merge retires all but the merged grid).</param>
    private async ValueTask<GridChangeResult> RunAsync(GridChangeRequest request,
        Func<SourceDataset, (SourceDataset Dataset, string? Refusal)>? prepare,
        Func<IReadOnlyList<Grid>, Func<Geometry, double>, GridImportOptions, Task<ImportIssue?>>? verify,
        Func<IReadOnlyList<Grid>, Task>? afterStore,
        ImmutableArray<string> retireUnlessIncoming = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var dryRun = request.DryRun;
        if (GridChangeRules.Read(request, out var unreadable) is not (var dataset, var crs, var scheme)) return Refused(unreadable!, dryRun);
        if (prepare is not null)
        {
            string? refusal;
            (dataset, refusal) = prepare(dataset);
            if (refusal is not null) return Refused(refusal, dryRun);
        }

        var options = new GridImportOptions { CodeScheme = scheme, AllowOverlaps = request.AllowOverlaps };
        var importer = new GridImporter(crs.ToWgs84, GridArea.AreaSquareMetres, domainTime, dataset.CrsDeclaration is null ? null : crs.Name);
        var result = importer.Check(dataset, options);
        var incoming = result.Grids.Select(g => g.Code).ToHashSet(StringComparer.Ordinal);
        var retire = (request.Retire.IsDefault ? [] : request.Retire)
            .Concat(retireUnlessIncoming.IsDefault ? [] : retireUnlessIncoming.Where(c => !incoming.Contains(c)))
            .ToHashSet(StringComparer.Ordinal);
        var before = request.Replace ? await store.LoadCurrentAsync() : await AroundAsync(result.Grids, retire);
        if (retire.FirstOrDefault(code => before.All(g => g.Code != code)) is { } missing)
            return Refused($"no grid '{missing}' to retire", dryRun);
        if (result.Accepted && !request.Replace)
            result = importer.CheckAgainstNeighbours(result, before.Where(g => !retire.Contains(g.Code)).ToList(), options);
        if (result.Accepted && verify is not null && await verify(result.Grids, GridArea.AreaSquareMetres, options) is { } rule)
            result = result with { Issues = [.. result.Issues, rule], Accepted = false };
        var warnings = GridChangeRules.Lines(result.Issues.Where(i => !i.IsError));
        var findings = GridFindingView.Of(result.Issues, GridChangeRules.MaxReported);
        if (!result.Accepted) return new GridChangeResult(false, GridChangeRules.Lines(result.Errors), warnings, 0, 0, 0, [], _revision, dryRun, [], [], findings);

        var after = request.Replace
            ? result.Grids
            : [.. before.Where(g => !incoming.Contains(g.Code) && !retire.Contains(g.Code)), .. result.Grids];
        var impact = new GridImpact(before.Select(g => (g.Code, g.Boundary)), after.Select(g => (g.Code, g.Boundary)),
            GridArea.AreaSquareMetres, options.OverlapToleranceSquareMetres);
        var transfers = impact.Transfers();
        var cases = await MovedCasesAsync(impact, transfers);
        var transferViews = transfers.Select(t => new GridTransferView(t.FromGrid, t.ToGrid, Math.Round(t.AreaSquareMetres, 1), GridChangeRules.GeoJsonOf(t.Area))).ToImmutableArray();
        var mode = request.Replace ? GridSaveMode.Replace : GridSaveMode.Merge;
        if (dryRun)
        {
            var preview = GridVersioning.Plan(before.ToDictionary(g => g.Code, StringComparer.Ordinal), new Dictionary<string, int>(),
                result.Grids, mode, domainTime.GetUtcNow(), retire);
            return new GridChangeResult(true, [], warnings, preview.Added, preview.Changed, preview.Unchanged, [.. preview.Retired], _revision, true,
                transferViews, cases, findings);
        }

        var plan = await store.SaveAsync(result.Grids, mode, retire, request.ActorId);
        _revision = await store.GetRevisionAsync();
        Notify();
        LogChanged(logger, request.ActorId, plan.Added, plan.Changed, plan.Retired.Count, _revision);
        // Each grid cell learns its boundary version; a retired grid's cell learns that it has none.
        var versions = plan.Written.Select(g => (g.Code, (int?)g.Version)).Concat(plan.Retired.Select(c => (c, (int?)null)));
        foreach (var chunk in versions.Chunk(256))
            await Task.WhenAll(chunk.Select(v => GrainFactory.GetGrain<IGridCellGrain>(v.Item1).SetBoundaryVersionAsync(v.Item2).AsTask()));
        if (afterStore is not null) await afterStore(result.Grids);
        return new GridChangeResult(true, [], warnings, plan.Added, plan.Changed, plan.Unchanged, [.. plan.Retired], _revision, false, transferViews, cases, findings);
    }

    /// <summary>The current grids around a partial change: those near its grids, and the current form of every grid it redraws or retires.</summary>
    private async Task<IReadOnlyList<Grid>> AroundAsync(IReadOnlyList<Grid> changed, IReadOnlySet<string> retire)
    {
        var around = new Envelope();
        foreach (var grid in changed) around.ExpandToInclude(grid.Boundary.EnvelopeInternal);
        var grids = around.IsNull ? [] : (await store.LoadNearAsync(around)).ToList();
        var known = grids.Select(g => g.Code).ToHashSet(StringComparer.Ordinal);
        // A grid redrawn far from where it was, or retired away from the change, is not near it.
        foreach (var code in changed.Select(g => g.Code).Concat(retire).Where(c => !known.Contains(c)).Distinct(StringComparer.Ordinal).ToList())
        {
            if (await CurrentAsync(code) is { } current && known.Add(code)) grids.Add(current);
        }
        return grids;
    }

    private async Task<Grid?> CurrentAsync(string code) => (await store.HistoryAsync(code)).LastOrDefault(g => g.ValidTo is null);

    /// <summary>The open cases in the ground that changes hands whose point falls in another grid after the change (the case search may lag a write).</summary>
    private async Task<ImmutableArray<CaseMoveView>> MovedCasesAsync(GridImpact impact, IReadOnlyList<AreaTransfer> transfers)
    {
        var search = GrainFactory.GetGrain<ICaseSearchGrain>(ICaseSearchGrain.Key);
        var found = new Dictionary<string, CaseSummaryView>(StringComparer.Ordinal);
        var wkt = new WKTWriter();
        foreach (var transfer in transfers)
        {
            var within = wkt.Write(transfer.Area);
            for (var offset = 0; ; offset += CasePage)
            {
                var page = await search.SearchAsync(new CaseSearchRequest(Open: true, WithinWkt: within, Limit: CasePage, Offset: offset));
                foreach (var row in page) found.TryAdd(row.CaseId, row);
                if (page.Length < CasePage) break;
            }
        }
        var moves = impact.MovedCases(found.Values.Where(c => c.Lon is not null && c.Lat is not null).Select(c => (c.CaseId, c.GridCode, c.Lon!.Value, c.Lat!.Value)));
        return [.. moves.OrderBy(m => m.CaseId, StringComparer.Ordinal).Select(m => new CaseMoveView(m.CaseId, m.FromGrid, m.ToGrid, found[m.CaseId].State))];
    }

    public ValueTask<long> GetRevisionAsync() => ValueTask.FromResult(_revision);

    public async ValueTask<byte[]> GetHistoryAsync(string code)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        var versions = await store.HistoryAsync(code);
        using var buffer = new MemoryStream();
        GeoJsonGridWriter.Write(buffer, versions);
        return buffer.ToArray();
    }

    public async ValueTask<GridsAsOf> GetAsOfAsync(DateTimeOffset at, GridBox box, int limit, ImmutableArray<string> only)
    {
        var versions = await store.LoadAsOfAsync(at, new Envelope(box.MinLon, box.MaxLon, box.MinLat, box.MaxLat));
        if (!only.IsDefaultOrEmpty)
        {
            var wanted = only.ToHashSet(StringComparer.Ordinal);
            versions = versions.Where(g => wanted.Contains(g.Code)).ToList();
        }
        using var buffer = new MemoryStream();
        GeoJsonGridWriter.Write(buffer, versions.Take(limit).ToList());
        return new GridsAsOf(versions.Count, buffer.ToArray());
    }

    public ValueTask SubscribeAsync(IGridDirectoryObserver observer)
    {
        _observers.Subscribe(observer, time.GetUtcNow() + SubscriptionLifetime);
        return ValueTask.CompletedTask;
    }

    public ValueTask UnsubscribeAsync(IGridDirectoryObserver observer)
    {
        _observers.Unsubscribe(observer);
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
        foreach (var observer in _observers.Live(time.GetUtcNow()))
        {
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

    private GridChangeResult Refused(string reason, bool dryRun) => new(false, [reason], [], 0, 0, 0, [], _revision, dryRun, [], []);

    [LoggerMessage(Level = LogLevel.Information, Message = "Grids changed by {Actor}: {Added} added, {Changed} redrawn, {Retired} retired; revision {Revision}")]
    private static partial void LogChanged(ILogger logger, string actor, int added, int changed, int retired, long revision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the grid revision; trying again")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell a silo that the grids changed; it will find out when it polls")]
    private static partial void LogNotifyFailed(ILogger logger, Exception exception);
}
